package io.github.pulse.cluster;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * What a node's inbox processes, in the order it arrived: broadcasts from the broadcast channel, commands from the
 * node's own channel, and the position of the cluster the heartbeat read (to find broadcasts the subscription
 * lost at the end of a stream).
 */
sealed interface ClusterMessage {

	/**
	 * A numbered broadcast: {@code B|epoch|g|n|node|seq|room|body} on the channel (written by broadcast.lua).
	 *
	 * @param epoch the Redis data set it was numbered in
	 * @param g its cluster-wide number
	 * @param n its number in its room
	 * @param node the node that published it
	 * @param seq that node's sequence number for it
	 * @param room the room
	 * @param body the encoded frame body
	 */
	record Broadcast(String epoch, long g, long n, String node, long seq, String room, String body)
			implements ClusterMessage {

		/**
		 * Decodes a message of the broadcast channel.
		 * @param message the raw message
		 * @return the broadcast, or {@code null} if it is malformed
		 */
		static @Nullable Broadcast decode(byte[] message) {
			String text = new String(message, StandardCharsets.UTF_8);
			if (!text.startsWith("B|")) {
				return null;
			}
			int epochEnd = text.indexOf('|', 2);
			int globalEnd = (epochEnd > 0) ? text.indexOf('|', epochEnd + 1) : -1;
			int roomSeqEnd = (globalEnd > 0) ? text.indexOf('|', globalEnd + 1) : -1;
			int nodeEnd = (roomSeqEnd > 0) ? text.indexOf('|', roomSeqEnd + 1) : -1;
			int seqEnd = (nodeEnd > 0) ? text.indexOf('|', nodeEnd + 1) : -1;
			int roomEnd = (seqEnd > 0) ? text.indexOf('|', seqEnd + 1) : -1;
			if (roomEnd < 0) {
				return null;
			}
			try {
				return new Broadcast(text.substring(2, epochEnd), Long.parseLong(text, epochEnd + 1, globalEnd, 10),
						Long.parseLong(text, globalEnd + 1, roomSeqEnd, 10), text.substring(roomSeqEnd + 1, nodeEnd),
						Long.parseLong(text, nodeEnd + 1, seqEnd, 10), text.substring(seqEnd + 1, roomEnd),
						text.substring(roomEnd + 1));
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}

	}

	/**
	 * A message of this node's command channel (send, kick, hand-over request or reply).
	 *
	 * @param text the raw message
	 */
	record Command(String text) implements ClusterMessage {
	}

	/**
	 * Where the cluster stood at a heartbeat: every broadcast up to {@code g} of {@code epoch} was numbered by then.
	 *
	 * @param epoch the Redis data set ({@code ""} before the first broadcast ever)
	 * @param g the global counter
	 * @param baseline whether this is the position read right after subscribing, before anything was delivered
	 */
	record Position(String epoch, long g, boolean baseline) implements ClusterMessage {
	}

}
