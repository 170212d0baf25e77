package raftkv.node;

import raftkv.kv.KeyValue;

/**
 * The answer to a read: the key's current version, or null when absent, as of the node's applied
 * index (which a stale read reports to the client, so it can tell how far behind it may be).
 */
public record ReadReply(KeyValue keyValue, long appliedIndex) {}
