package io.github.pulse.cluster;

/**
 * Every Redis key and channel of one cluster, under its key prefix. See docs/scaling.md for what each holds and how
 * long.
 */
final class ClusterKeys {

	private final String prefix;

	ClusterKeys(String prefix) {
		this.prefix = prefix;
	}

	String token(String lookupKey) {
		return this.prefix + "token:" + lookupKey;
	}

	String snapshot(String lookupKey) {
		return this.prefix + "session:" + lookupKey;
	}

	String sends(String connectionId) {
		return this.prefix + "sends:" + connectionId;
	}

	String globalSeq() {
		return this.prefix + "gseq";
	}

	String epoch() {
		return this.prefix + "epoch";
	}

	String published(String node) {
		return this.prefix + "pub:" + node;
	}

	String roomSeq(String room) {
		return this.prefix + "rseq:" + room;
	}

	String stream(String room) {
		return this.prefix + "stream:" + room;
	}

	String broadcastChannel() {
		return this.prefix + "broadcast";
	}

	String nodeChannelPrefix() {
		return this.prefix + "node:";
	}

	String nodeChannel(String node) {
		return this.prefix + "node:" + node;
	}

	String connection(String connectionId) {
		return this.prefix + "conn:" + connectionId;
	}

	String count(String node) {
		return this.prefix + "count:" + node;
	}

	String nodes() {
		return this.prefix + "nodes";
	}

}
