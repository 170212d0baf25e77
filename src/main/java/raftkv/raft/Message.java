package raftkv.raft;

/**
 * A message between two Raft nodes. Every message carries the sender's current term (Raft §5.1:
 * a node that sees a higher term steps down; a message from a lower term is stale).
 */
public sealed interface Message
    permits RequestVote, RequestVoteResponse, AppendEntries, AppendEntriesResponse,
    InstallSnapshot, TimeoutNow {

  int from();

  int to();

  long term();
}
