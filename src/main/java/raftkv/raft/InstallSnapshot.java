package raftkv.raft;

/**
 * InstallSnapshot RPC (Raft §7): the leader no longer holds the entries a follower needs, so it
 * sends its latest snapshot instead. The core sends and receives only the metadata; the host
 * streams the snapshot's content beside it in chunks and hands this message to the follower's
 * core only once the whole content has arrived intact. The follower answers with an {@link
 * AppendEntriesResponse} whose match index says how far its log now agrees with the leader's.
 */
public record InstallSnapshot(int from, int to, long term, SnapshotMeta snapshot)
    implements Message {

  @Override
  public String toString() {
    return from + "->" + to + " Snap t=" + term + " " + snapshot.term() + "/" + snapshot.index();
  }
}
