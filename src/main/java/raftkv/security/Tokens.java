package raftkv.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Client tokens: random secrets that only their holders keep. A configuration holds each
 * token's SHA-256 (as {@code raftkv token hash} prints it), never the token, so a copied
 * configuration file or a configuration dump gives nobody access. A token has 256 random bits,
 * so a plain hash (no salt, no stretching) cannot be reversed.
 */
public final class Tokens {

  /** Every token {@link #generate()} makes starts with this, so a leaked one is recognisable. */
  public static final String PREFIX = "rkv_";

  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {}

  /** A new token: {@value #PREFIX} and 32 random bytes, base64url. */
  public static String generate() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** The lowercase hex SHA-256 of {@code token}'s UTF-8 bytes: what the configuration holds. */
  public static String hash(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** Whether {@code s} looks like a hash {@link #hash} made: 64 lowercase hex digits. */
  public static boolean isHash(String s) {
    return s != null && s.matches("[0-9a-f]{64}");
  }
}
