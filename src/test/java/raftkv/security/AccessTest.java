package raftkv.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

/** Which role each route needs; a route the table does not know needs a token all the same. */
class AccessTest {

  @Test
  void probesAndTheDashboardPageNeedNoToken() {
    assertThat(Access.required(HttpMethod.GET, "/health")).isNull();
    assertThat(Access.required(HttpMethod.GET, "/ready")).isNull();
    assertThat(Access.required(HttpMethod.GET, "/ui")).isNull();
    assertThat(Access.required(HttpMethod.GET, "/ui/app.js")).isNull();
    assertThat(Access.required(HttpMethod.GET, "/ui/events")).isEqualTo(Role.READ);
  }

  @Test
  void readsWritesAndAdministrationNeedTheirRoles() {
    assertThat(Access.required(HttpMethod.GET, "/v1/kv/a")).isEqualTo(Role.READ);
    assertThat(Access.required(HttpMethod.HEAD, "/v1/kv")).isEqualTo(Role.READ);
    assertThat(Access.required(HttpMethod.GET, "/v1/watch")).isEqualTo(Role.READ);
    assertThat(Access.required(HttpMethod.GET, "/metrics")).isEqualTo(Role.READ);
    assertThat(Access.required(HttpMethod.GET, "/v1/members")).isEqualTo(Role.READ);
    assertThat(Access.required(HttpMethod.PUT, "/v1/kv/a")).isEqualTo(Role.READ_WRITE);
    assertThat(Access.required(HttpMethod.DELETE, "/v1/kv/a")).isEqualTo(Role.READ_WRITE);
    assertThat(Access.required(HttpMethod.POST, "/v1/leases")).isEqualTo(Role.READ_WRITE);
    assertThat(Access.required(HttpMethod.POST, "/v1/leases/5/keepalive"))
        .isEqualTo(Role.READ_WRITE);
    assertThat(Access.required(HttpMethod.POST, "/v1/members")).isEqualTo(Role.ADMIN);
    assertThat(Access.required(HttpMethod.POST, "/v1/members/4/promote")).isEqualTo(Role.ADMIN);
    assertThat(Access.required(HttpMethod.DELETE, "/v1/members/4")).isEqualTo(Role.ADMIN);
    assertThat(Access.required(HttpMethod.POST, "/v1/leader")).isEqualTo(Role.ADMIN);
    // the router also matches a fixed path with one trailing slash
    assertThat(Access.required(HttpMethod.POST, "/v1/leader/")).isEqualTo(Role.ADMIN);
    assertThat(Access.required(HttpMethod.POST, "/v1/members/")).isEqualTo(Role.ADMIN);
    assertThat(Access.required(HttpMethod.GET, "/health/")).isNull();
    assertThat(Access.required(HttpMethod.GET, "/ui/events/")).isEqualTo(Role.READ);
    assertThat(Access.required(HttpMethod.PATCH, "/no/such/route")).isEqualTo(Role.READ_WRITE);
    assertThat(Access.required(HttpMethod.GET, "/no/such/route")).isEqualTo(Role.READ);
  }

  @Test
  void eachRoleAllowsWhatTheOnesBelowItDo() {
    assertThat(Role.ADMIN.allows(Role.READ_WRITE)).isTrue();
    assertThat(Role.READ_WRITE.allows(Role.READ)).isTrue();
    assertThat(Role.READ.allows(Role.READ_WRITE)).isFalse();
    assertThat(Role.READ_WRITE.allows(Role.ADMIN)).isFalse();
    assertThat(Role.parse("read-write")).isEqualTo(Role.READ_WRITE);
  }

  @Test
  void aBearerHeaderIsReadAndAnythingElseIsNoToken() {
    assertThat(BearerAuth.bearer("Bearer rkv_x")).isEqualTo("rkv_x");
    assertThat(BearerAuth.bearer("bearer  rkv_x ")).isEqualTo("rkv_x");
    assertThat(BearerAuth.bearer("Basic dXNlcjpwYXNz")).isNull();
    assertThat(BearerAuth.bearer("Bearer ")).isNull();
    assertThat(BearerAuth.bearer(null)).isNull();
  }

  @Test
  void tokensAreRandomAndTheirHashesAreStable() {
    String a = Tokens.generate();
    assertThat(a).startsWith(Tokens.PREFIX).hasSize(Tokens.PREFIX.length() + 43)
        .isNotEqualTo(Tokens.generate());
    // the SHA-256 of "abc", as sha256sum prints it
    assertThat(Tokens.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(Tokens.isHash(Tokens.hash(a))).isTrue();
  }
}
