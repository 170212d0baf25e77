package raftkv.server;

import raftkv.kv.KeyValue;

/** The answer to a read: the key's current version, or null when absent. */
public record ReadReply(KeyValue keyValue) {}
