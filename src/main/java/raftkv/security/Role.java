package raftkv.security;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a client token allows (docs/API.md, "Authentication"). Each role allows what the one
 * before it does, and more.
 */
public enum Role {
  /** Reads: keys, listings, watches, the cluster's status, leases' state, metrics. */
  READ("read"),
  /** And writes: puts, deletes, lease grants, keep-alives and revokes. */
  READ_WRITE("read-write"),
  /** And the cluster's membership and leadership transfer. */
  ADMIN("admin");

  private final String configName;

  Role(String configName) {
    this.configName = configName;
  }

  /** Whether a token of this role may make a request that needs {@code needed}. */
  public boolean allows(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** The name in the configuration and in answers: read, read-write or admin. */
  @JsonValue
  public String configName() {
    return configName;
  }

  @JsonCreator
  public static Role parse(String name) {
    for (Role r : values()) if (r.configName.equals(name)) return r;
    throw new IllegalArgumentException("unknown role '" + name
        + "' (roles are read, read-write and admin)");
  }
}
