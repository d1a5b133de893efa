package io.meetsignal.node.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.meetsignal.node.protocol.DisplayNames;
import io.meetsignal.node.protocol.Refusals;

/**
 * Turns the {@code auth} object of a Socket.IO CONNECT into an {@link Identity}, or refuses it with one of
 * the codes of PROTOCOL.md §2. A missing {@code auth} is a guest without a display name.
 */
public final class HandshakeAuthenticator {

    private final TokenVerifier tokens;
    private final boolean allowGuests;

    public HandshakeAuthenticator(TokenVerifier tokens, boolean allowGuests) {
        this.tokens = tokens;
        this.allowGuests = allowGuests;
    }

    public Identity authenticate(JsonNode auth) {
        JsonNode fields = auth != null && auth.isObject() ? auth : null;
        JsonNode token = field(fields, "token");
        JsonNode displayName = field(fields, "displayName");
        if (displayName != null && !displayName.isTextual()) {
            throw Refusals.invalid("displayName: expected a string");
        }
        if (token != null) {
            if (!token.isTextual()) {
                throw Refusals.authFailed("token: expected a string");
            }
            TokenVerifier.Verified verified = tokens.verify(token.textValue());
            JsonNode claimedUser = field(fields, "userId");
            if (claimedUser != null
                    && !(claimedUser.isTextual() && claimedUser.textValue().equals(verified.subject()))) {
                throw Refusals.authFailed("userId does not match the token");
            }
            String name = displayName != null
                    ? DisplayNames.clean(displayName.textValue())
                    : DisplayNames.cleanClaim(verified.nameClaim());
            return new Identity(verified.subject(), name);
        }
        if (!allowGuests) {
            throw Refusals.guestsNotAllowed();
        }
        return new Identity(null, DisplayNames.clean(displayName == null ? null : displayName.textValue()));
    }

    private static JsonNode field(JsonNode fields, String name) {
        if (fields == null) {
            return null;
        }
        JsonNode value = fields.get(name);
        return value == null || value.isNull() ? null : value;
    }
}
