package io.github.pulse.core;

import java.util.ArrayList;
import java.util.List;

import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * A model client of the {@link EngineSimulation}: it has one transport at a time, reads the frames that reached it
 * (welcome, resumed, message, pong, close), keeps its last {@code seq} and the tokens it read, and checks what it
 * reads: the first frame is the expected welcome or resumed, message frames of its session come exactly once and in
 * order, every gap in {@code seq} lies in the range a {@code resumed} announced as missed or is a drop of the
 * {@code drop-oldest} policy (both checked against what the engine really dropped), and a close frame matches the
 * session's end.
 */
final class SimClient {

	final EngineSimulation world;

	final int index;

	final String id;

	final List<String> homeRooms;

	/** The session the client is in, as far as it knows (set when it reads a welcome). */
	EngineSimulation.@Nullable SimSession session;

	/** Its transport, as far as it knows; {@code null} once it saw it break or close. */
	@Nullable SimTransport transport;

	/** Inside {@code open}: the simulation does not act for it meanwhile. */
	boolean opening;

	/** The client knows its session ended (or never had one): it connects afresh rather than resume. */
	boolean sessionOver = true;

	long lastSeq;

	int lastMessage;

	/** Tokens read for the current session, oldest first. */
	final List<String> tokens = new ArrayList<>();

	/** What the first frame on the current transport must be: {@code resumed}, or a welcome's resumeFailed. */
	@Nullable String expectFirst;

	boolean firstRead;

	long replayEnd = -1;

	int replayLeft;

	SimClient(EngineSimulation world, int index, List<String> homeRooms) {
		this.world = world;
		this.index = index;
		this.id = "c" + index;
		this.homeRooms = homeRooms;
	}

	/** The client's socket broke (reset, failed, closed): it stops reading it. */
	void transportLost(SimTransport lost) {
		if (this.transport == lost) {
			this.transport = null;
		}
	}

	/** Whether it can send on its transport: it has one and read its first frame. */
	boolean canSend() {
		return this.transport != null && this.firstRead && this.transport.reachesClient() && !this.opening;
	}

	/**
	 * Reads up to {@code max} frames.
	 * @return the number read
	 */
	int read(int max) {
		int read = 0;
		while (read < max && this.transport != null && !this.transport.inbox.isEmpty()) {
			SimTransport from = this.transport;
			process(from, from.inbox.poll());
			read++;
		}
		return read;
	}

	private void process(SimTransport from, Object frame) {
		this.world.debug(this.id + " reads " + ((frame instanceof String text) ? abbreviate(text) : frame));
		PulseSession engine = from.session;
		EngineSimulation.SimSession of = this.world.sim(engine);
		if (frame instanceof SimTransport.CloseFrame close) {
			readClose(from, of, close.status());
			return;
		}
		String text = (String) frame;
		String type = EngineSimulation.stringField(text, "type");
		if (!this.firstRead) {
			readFirst(of, text, type);
			return;
		}
		if ("welcome".equals(type) || "resumed".equals(type)) {
			this.world.fail(this.id + " read a second " + type + " on " + from);
		}
		if (!"message".equals(type)) {
			return;
		}
		if (of != this.session) {
			this.world.fail(this.id + " read a message of session #" + of.index + " while in #"
					+ ((this.session != null) ? this.session.index : -1));
		}
		long seq = EngineSimulation.numberField(text, "seq");
		int message = (int) EngineSimulation.numberField(text, "payload");
		if (seq <= this.lastSeq) {
			this.world.fail(this.id + " read seq " + seq + " after " + this.lastSeq + " (duplicate or reordered)");
		}
		if (message <= this.lastMessage) {
			this.world.fail(this.id + " read message #" + message + " (seq " + seq + ") after #" + this.lastMessage
					+ " (sent earlier, or twice)");
		}
		if (!this.world.wasSentTo(message, of)) {
			this.world.fail(this.id + " read message #" + message + " that was never sent to session #" + of.index);
		}
		if (this.replayLeft > 0) {
			if (seq > this.replayEnd) {
				this.world.fail(this.id + " read seq " + seq + " with " + this.replayLeft
						+ " replayed frame(s) still owed up to seq " + this.replayEnd);
			}
			this.replayLeft--;
			gaps(of, this.lastSeq + 1, seq - 1, false);
		}
		else if (this.replayEnd >= 0 && this.lastSeq < this.replayEnd) {
			if (seq <= this.replayEnd) {
				this.world.fail(this.id + " read seq " + seq + " beyond the announced replay (resumed said up to "
						+ this.replayEnd + " with its replayed count already read)");
			}
			gaps(of, this.lastSeq + 1, this.replayEnd, false);
			gaps(of, this.replayEnd + 1, seq - 1, true);
		}
		else {
			gaps(of, this.lastSeq + 1, seq - 1, true);
		}
		this.lastSeq = seq;
		this.lastMessage = message;
	}

	private void gaps(EngineSimulation.SimSession of, long from, long to, boolean live) {
		for (long seq = from; seq <= to; seq++) {
			this.world.expectLost(this, of, seq, live);
		}
	}

	private void readFirst(EngineSimulation.SimSession of, String text, String type) {
		this.firstRead = true;
		if ("resumed".equals(this.expectFirst)) {
			if (!"resumed".equals(type)) {
				this.world.fail(this.id + " expected resumed, read " + abbreviate(text));
			}
			if (of != this.session) {
				this.world.fail(this.id + " resumed into session #" + of.index + ", not its own");
			}
			int replayed = (int) EngineSimulation.numberField(text, "replayed");
			long missed = EngineSimulation.numberField(text, "missed");
			if (replayed < 0 || missed < 0) {
				this.world.fail(this.id + " read " + abbreviate(text));
			}
			this.tokens.add(EngineSimulation.stringField(text, "resumeToken"));
			this.replayEnd = this.lastSeq + replayed + missed;
			this.replayLeft = replayed;
			return;
		}
		if (!"welcome".equals(type)) {
			this.world.fail(this.id + " expected a welcome, read " + abbreviate(text));
		}
		if (!this.id.equals(EngineSimulation.stringField(text, "connectionId"))) {
			this.world.fail(this.id + " read the welcome of " + EngineSimulation.stringField(text, "connectionId"));
		}
		String failed = EngineSimulation.stringField(text, "resumeFailed");
		if (!java.util.Objects.equals(failed, this.expectFirst) && !("*".equals(this.expectFirst) && failed != null)) {
			this.world.fail(this.id + " expected resumeFailed=" + this.expectFirst + ", read " + failed);
		}
		this.session = of;
		this.sessionOver = false;
		this.lastSeq = 0;
		this.lastMessage = 0;
		this.tokens.clear();
		String token = EngineSimulation.stringField(text, "resumeToken");
		if (token != null) {
			this.tokens.add(token);
		}
		this.replayEnd = -1;
		this.replayLeft = 0;
	}

	private void readClose(SimTransport from, EngineSimulation.SimSession of, PulseCloseStatus status) {
		from.clientGone = true;
		this.transport = null;
		boolean resumable = status.code() == 1001
				&& (status.reason().equals("heartbeat timeout") || status.reason().equals("write timeout"));
		if (resumable) {
			return;
		}
		this.sessionOver = true;
		DisconnectReason expected = switch (status.code()) {
			case 4000 -> DisconnectReason.KICKED;
			case 4001 -> DisconnectReason.REPLACED;
			case 4002 -> DisconnectReason.SLOW_CONSUMER;
			case 4003 -> DisconnectReason.IDLE_TIMEOUT;
			case 1001 -> DisconnectReason.SERVER_SHUTDOWN;
			case 1007 -> DisconnectReason.PROTOCOL_ERROR;
			case 1011 -> DisconnectReason.HANDLER_ERROR;
			default -> DisconnectReason.CLOSED;
		};
		if (!of.disconnected || of.reason != expected) {
			this.world.fail(this.id + " read close " + status + " but session #" + of.index + " ended "
					+ (of.disconnected ? of.reason : "not at all"));
		}
		this.world.coverage.closeFramesRead++;
	}

	static String abbreviate(String text) {
		return (text.length() <= 120) ? text : text.substring(0, 120) + "...";
	}

	@Override
	public String toString() {
		return this.id;
	}

}
