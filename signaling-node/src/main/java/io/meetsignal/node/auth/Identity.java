package io.meetsignal.node.auth;

import static java.util.Objects.requireNonNull;

/** Who a socket is: {@code userId} is proven by a token, or {@code null} for a guest. */
public record Identity(String userId, String displayName) {

    public Identity {
        requireNonNull(displayName, "displayName");
    }

    public boolean guest() {
        return userId == null;
    }
}
