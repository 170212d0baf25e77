package raftkv.security;

import java.util.List;

/**
 * Client authentication (docs/API.md, "Authentication"), the {@code auth} section of a node's
 * configuration. Off by default, for a local cluster; on, every client request but the health
 * probes and the dashboard's page needs {@code Authorization: Bearer <token>}.
 *
 * @param enabled whether client requests need a token
 * @param tokens the tokens that are let in, by the SHA-256 of each ({@link Tokens#hash})
 */
public record AuthSettings(boolean enabled, List<Token> tokens) {

  public static final AuthSettings DEFAULTS = new AuthSettings(false, List.of());

  /**
   * One client token.
   *
   * @param name who holds it, for the log and {@code raftkv token}: never the token itself
   * @param role what it allows
   * @param sha256 the token's SHA-256 in hex, as {@code raftkv token hash} prints it
   */
  public record Token(String name, Role role, String sha256) {
    @Override
    public String toString() {
      return name + " (" + (role == null ? "?" : role.configName()) + ")";
    }
  }

  public AuthSettings {
    tokens = tokens == null ? null : List.copyOf(tokens);
  }
}
