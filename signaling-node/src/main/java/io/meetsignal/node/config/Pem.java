package io.meetsignal.node.config;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Reads an RSA public key in PEM (X.509 SubjectPublicKeyInfo) form. */
public final class Pem {

    private Pem() {}

    public static PublicKey publicKey(String pem) {
        String body = pem.replace("\\n", "\n")
                .replaceAll("-----BEGIN PUBLIC KEY-----", "")
                .replaceAll("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(body);
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (Exception e) {
            throw new IllegalArgumentException("not an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)");
        }
    }
}
