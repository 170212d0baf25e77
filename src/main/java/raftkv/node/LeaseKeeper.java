package raftkv.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import raftkv.kv.KvStateMachine;

/**
 * The leader's clock for leases. Which leases exist is replicated state ({@link KvStateMachine});
 * when one runs out is decided here, by the leader alone, on its own monotonic clock: a lease
 * that no keep-alive renewed for its time to live is ended by proposing an expiry entry, and
 * every node deletes its keys when that entry is applied. Keep-alives are not logged.
 *
 * <p>When a node becomes leader it knows nothing of the keep-alives its predecessor took, so it
 * gives every lease a full time to live plus {@code extensionMs} (an election timeout) before
 * it expires any: a holder that kept its lease alive never loses it to a failover. A keep-alive
 * is only answered after a ReadIndex round (the caller's job), so the leader that answers it was
 * still leading when it did, and any later leader starts its clock after that.
 *
 * <p>Times are milliseconds on the host's monotonic clock, passed in: this class reads no clock,
 * so the simulator runs it in virtual time. Single-threaded: the node's loop.
 */
public final class LeaseKeeper {

  /** Proposes the expiry of a lease; false if the proposal was not taken (try again later). */
  public interface Expirer {
    boolean proposeExpiry(long lease);
  }

  private final long extensionMs;
  private final int maxExpiriesPerTick;
  private boolean leading;
  private long leaderTerm;
  /** On the leader: when each lease runs out, unless renewed. */
  private final Map<Long, Long> deadlines = new HashMap<>();
  /** Leases whose expiry was proposed; a keep-alive no longer saves them. */
  private final Set<Long> expiring = new HashSet<>();
  private long expiriesProposed;

  public LeaseKeeper(long extensionMs, int maxExpiriesPerTick) {
    this.extensionMs = extensionMs;
    this.maxExpiriesPerTick = maxExpiriesPerTick;
  }

  /** This node leads {@code term} from now: every lease it knows gets a fresh clock. */
  public void becameLeader(long term, KvStateMachine kv, long nowMs) {
    leading = true;
    leaderTerm = term;
    deadlines.clear();
    expiring.clear();
    for (KvStateMachine.LeaseInfo lease : kv.leases()) {
      deadlines.put(lease.id(), nowMs + lease.ttlMs() + extensionMs);
    }
  }

  /** This node no longer leads: its successor keeps the clocks. */
  public void stoppedLeading() {
    leading = false;
    deadlines.clear();
    expiring.clear();
  }

  /**
   * A grant entry of {@code term} was applied. On the leader, its clock starts now; a grant from
   * an earlier term may have been kept alive by the leader of that term, so it gets the
   * extension too.
   */
  public void granted(long lease, long ttlMs, long term, long nowMs) {
    if (!leading) return;
    deadlines.put(lease, nowMs + ttlMs + (term < leaderTerm ? extensionMs : 0));
  }

  /** A lease ended (its revoke or expiry entry was applied). */
  public void ended(long lease) {
    deadlines.remove(lease);
    expiring.remove(lease);
  }

  /**
   * Renews {@code lease} for its full time to live from {@code nowMs}, after the caller's
   * ReadIndex round confirmed this node still leads and the store is up to date.
   *
   * @return the time to live granted, or -1 when the lease does not exist or is being expired
   */
  public long renew(long lease, KvStateMachine kv, long nowMs) {
    if (!leading || expiring.contains(lease)) return -1;
    return kv.lease(lease, 0).map(info -> {
      deadlines.put(lease, nowMs + info.ttlMs());
      return info.ttlMs();
    }).orElse(-1L);
  }

  /** How long {@code lease} has left on this leader's clock; -1 if it keeps none for it. */
  public long remainingMs(long lease, long nowMs) {
    Long deadline = deadlines.get(lease);
    if (!leading || deadline == null) return -1;
    return expiring.contains(lease) ? 0 : Math.max(0, deadline - nowMs);
  }

  /**
   * Proposes the expiry of leases past their deadline, at most {@code maxExpiriesPerTick}, the
   * most overdue first.
   */
  public void tick(long nowMs, Expirer expirer) {
    if (!leading || deadlines.isEmpty()) return;
    List<Map.Entry<Long, Long>> due = new ArrayList<>();
    for (Map.Entry<Long, Long> d : deadlines.entrySet()) {
      if (d.getValue() <= nowMs && !expiring.contains(d.getKey())) due.add(d);
    }
    if (due.isEmpty()) return;
    due.sort(Map.Entry.comparingByValue());
    for (Map.Entry<Long, Long> d : due.subList(0, Math.min(due.size(), maxExpiriesPerTick))) {
      if (!expirer.proposeExpiry(d.getKey())) return;
      expiring.add(d.getKey());
      expiriesProposed++;
    }
  }

  public boolean leading() {
    return leading;
  }

  /** How many expiries this node proposed (for metrics). */
  public long expiriesProposed() {
    return expiriesProposed;
  }

  /** Leases whose clock this leader keeps. */
  public int tracked() {
    return deadlines.size();
  }
}
