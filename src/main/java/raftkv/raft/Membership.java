package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A configuration of the cluster (dissertation chapter 4): its voters, which elect leaders and
 * count towards every majority, and its learners, which receive the log and do neither. Each
 * member carries an address the core never reads: the host's, for dialling it.
 *
 * <p>A configuration lives in the log as an entry whose command is {@link #encode()}, and takes
 * effect on every node as soon as that entry is appended there, committed or not; snapshots carry
 * the configuration as of their last entry. {@link #EMPTY} means "none recorded": the
 * configuration the node was bootstrapped with applies.
 */
public record Membership(List<Member> members) {

  /** One member: its id, whether it votes, and where the host reaches it. */
  public record Member(int id, boolean voter, String address) {
    public Member {
      if (id <= 0) throw new IllegalArgumentException("member ids must be > 0: " + id);
      Objects.requireNonNull(address, "address");
      if (address.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException("an address holds no spaces: '" + address + "'");
      }
    }

    @Override
    public String toString() {
      return id + (voter ? "" : "(learner)");
    }
  }

  /** What a configuration entry's command starts with; a client command never does. */
  public static final String PREFIX = "#members";

  public static final Membership EMPTY = new Membership(List.of());

  public Membership {
    TreeMap<Integer, Member> byId = new TreeMap<>();
    for (Member m : members) {
      if (byId.put(m.id(), m) != null) {
        throw new IllegalArgumentException("member " + m.id() + " appears twice");
      }
    }
    members = List.copyOf(byId.values());
  }

  /** Every id a voter, with no addresses: the bootstrap configuration of tests and simulations. */
  public static Membership ofVoters(Iterable<Integer> ids) {
    List<Member> out = new ArrayList<>();
    for (int id : ids) out.add(new Member(id, true, ""));
    return new Membership(out);
  }

  public boolean isEmpty() {
    return members.isEmpty();
  }

  public boolean contains(int id) {
    return member(id) != null;
  }

  public boolean isVoter(int id) {
    Member m = member(id);
    return m != null && m.voter();
  }

  /** The member with that id, or null. */
  public Member member(int id) {
    for (Member m : members) if (m.id() == id) return m;
    return null;
  }

  public Set<Integer> voters() {
    Set<Integer> out = new TreeSet<>();
    for (Member m : members) if (m.voter()) out.add(m.id());
    return out;
  }

  public Set<Integer> learners() {
    Set<Integer> out = new TreeSet<>();
    for (Member m : members) if (!m.voter()) out.add(m.id());
    return out;
  }

  public Set<Integer> ids() {
    Set<Integer> out = new TreeSet<>();
    for (Member m : members) out.add(m.id());
    return out;
  }

  /** This configuration with {@code member} added, or replacing the one with its id. */
  public Membership with(Member member) {
    List<Member> out = new ArrayList<>();
    for (Member m : members) if (m.id() != member.id()) out.add(m);
    out.add(member);
    return new Membership(out);
  }

  public Membership without(int id) {
    List<Member> out = new ArrayList<>();
    for (Member m : members) if (m.id() != id) out.add(m);
    return new Membership(out);
  }

  /**
   * The one member in which {@code next} differs from this configuration (added, removed, or
   * its vote changed), or null when they differ in no member or in more than one, or when a
   * member's address changed: single-server changes (dissertation §4.1) move one member at a
   * time, so that the majorities of the old and the new configuration always overlap.
   */
  public Integer singleChange(Membership next) {
    Integer changed = null;
    Set<Integer> all = new TreeSet<>(ids());
    all.addAll(next.ids());
    for (int id : all) {
      Member before = member(id);
      Member after = next.member(id);
      if (before != null && after != null && !before.address().equals(after.address())) {
        return null;
      }
      if (Objects.equals(before, after)) continue;
      if (changed != null) return null;
      changed = id;
    }
    return changed;
  }

  /** The command of a configuration entry: {@code #members 1=voter@addr 4=learner@addr}. */
  public String encode() {
    StringBuilder out = new StringBuilder(PREFIX);
    for (Member m : members) {
      out.append(' ').append(m.id()).append('=').append(m.voter() ? "voter" : "learner")
          .append('@').append(m.address());
    }
    return out.toString();
  }

  public static boolean isMembership(String command) {
    return command.startsWith(PREFIX)
        && (command.length() == PREFIX.length() || command.charAt(PREFIX.length()) == ' ');
  }

  /** Reads {@link #encode()}'s form back. */
  public static Membership decode(String command) {
    if (!isMembership(command)) {
      throw new IllegalArgumentException("not a configuration: " + command);
    }
    List<Member> out = new ArrayList<>();
    String rest = command.substring(PREFIX.length()).trim();
    if (rest.isEmpty()) return EMPTY;
    for (String part : rest.split(" +")) {
      int eq = part.indexOf('=');
      int at = part.indexOf('@');
      if (eq < 1 || at < eq) throw new IllegalArgumentException("bad member '" + part + "'");
      String role = part.substring(eq + 1, at);
      if (!role.equals("voter") && !role.equals("learner")) {
        throw new IllegalArgumentException("bad role '" + role + "' in '" + part + "'");
      }
      int id;
      try {
        id = Integer.parseInt(part.substring(0, eq));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad member id in '" + part + "'");
      }
      out.add(new Member(id, role.equals("voter"), part.substring(at + 1)));
    }
    return new Membership(out);
  }

  @Override
  public String toString() {
    return "voters " + voters() + (learners().isEmpty() ? "" : " learners " + learners());
  }
}
