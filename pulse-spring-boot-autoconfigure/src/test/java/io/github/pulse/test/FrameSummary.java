package io.github.pulse.test;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * What a failure message says about received frames: how many, their types, seq ranges and sizes, never their
 * payloads. A message frame of a stalled-client test is 32 KiB; two hundred of them in an assertion message hide
 * what went wrong.
 */
public final class FrameSummary {

	private static final int MAX_RUNS = 12;

	private static final int MAX_TEXT = 160;

	private FrameSummary() {
	}

	/**
	 * Summarises frames, runs of consecutive message frames of one event collapsed into one entry, for example
	 * {@code 201 frames: welcome (212 B), message "bulk" seq 1..200 (32,790 B each)}.
	 * @param frames the frames, in the order received
	 * @return the summary
	 */
	public static String of(List<JsonNode> frames) {
		List<Run> runs = new ArrayList<>();
		for (JsonNode frame : frames) {
			Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
			if (last == null || !last.extend(frame)) {
				runs.add(new Run(frame));
			}
		}
		StringBuilder summary = new StringBuilder().append(frames.size()).append(frames.size() == 1 ? " frame" : " frames");
		for (int i = 0; i < runs.size() && i < MAX_RUNS; i++) {
			summary.append((i == 0) ? ": " : ", ").append(runs.get(i));
		}
		if (runs.size() > MAX_RUNS) {
			Run last = runs.get(runs.size() - 1);
			summary.append(", ... ").append(runs.size() - MAX_RUNS - 1).append(" more runs ..., ").append(last);
		}
		return summary.toString();
	}

	/**
	 * One frame for a failure message: small frames in full, large ones as their type, seq, event and size.
	 * @param frame the frame
	 * @return its description
	 */
	public static String of(JsonNode frame) {
		String text = frame.toString();
		return (text.length() <= MAX_TEXT) ? text : new Run(frame).toString();
	}

	private static int utf8Length(String text) {
		return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
	}

	/** Consecutive frames of one type and event, with consecutive seqs when they have one. */
	private static final class Run {

		private final String type;

		private final String event;

		private final long firstSeq;

		private long lastSeq;

		private int count = 1;

		private int minBytes;

		private int maxBytes;

		private final String smallText;

		Run(JsonNode frame) {
			this.type = frame.path("type").asText("?");
			this.event = frame.path("event").asText(null);
			this.firstSeq = frame.path("seq").asLong(-1);
			this.lastSeq = this.firstSeq;
			String text = frame.toString();
			this.minBytes = utf8Length(text);
			this.maxBytes = this.minBytes;
			// a short control frame (resumed, error, pong) says most when shown whole
			this.smallText = (text.length() <= MAX_TEXT && this.event == null) ? text : null;
		}

		boolean extend(JsonNode frame) {
			if (this.smallText != null || !this.type.equals(frame.path("type").asText("?"))
					|| !java.util.Objects.equals(this.event, frame.path("event").asText(null))) {
				return false;
			}
			long seq = frame.path("seq").asLong(-1);
			if ((this.firstSeq >= 0 || seq >= 0) && seq != this.lastSeq + 1) {
				return false;
			}
			int bytes = utf8Length(frame.toString());
			this.lastSeq = seq;
			this.count++;
			this.minBytes = Math.min(this.minBytes, bytes);
			this.maxBytes = Math.max(this.maxBytes, bytes);
			return true;
		}

		@Override
		public String toString() {
			if (this.smallText != null) {
				return this.smallText;
			}
			StringBuilder run = new StringBuilder(this.type);
			if (this.event != null) {
				run.append(" \"").append(this.event).append('"');
			}
			if (this.firstSeq >= 0) {
				run.append(" seq ").append(this.firstSeq);
				if (this.lastSeq != this.firstSeq) {
					run.append("..").append(this.lastSeq);
				}
			}
			else if (this.count > 1) {
				run.append(" x").append(this.count);
			}
			run.append(" (");
			if (this.minBytes == this.maxBytes) {
				run.append(String.format("%,d B", this.minBytes)).append((this.count > 1) ? " each" : "");
			}
			else {
				run.append(String.format("%,d-%,d B", this.minBytes, this.maxBytes));
			}
			return run.append(')').toString();
		}

	}

}
