package io.github.pulse.bench.jmh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.codec.FrameDecodingException;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.SessionManager;

/**
 * The engine with default settings (optionally without resume), no listeners and no metrics, and connections on
 * {@link NoopTransport}s in one room, opened through the same {@code SessionManager.open} the WebSocket handler
 * calls after a handshake.
 */
final class InMemoryEngine {

	static final String ROOM = "bench";

	final SessionManager manager;

	final JacksonPulseCodec codec = new JacksonPulseCodec();

	final List<PulseConnection> connections = new ArrayList<>();

	final List<NoopTransport> transports = new ArrayList<>();

	InMemoryEngine(int connections) {
		this(connections, true);
	}

	InMemoryEngine(int connections, boolean resume) {
		this.manager = new SessionManager(resume ? PulseSettings.defaults() : withoutResume(PulseSettings.defaults()),
				this.codec, List.of(), PulseObserver.NOOP, System::nanoTime);
		for (int i = 0; i < connections; i++) {
			NoopTransport transport = new NoopTransport();
			this.transports.add(transport);
			this.connections.add(this.manager.open(transport, ConnectDecision.accept(List.of(ROOM)), null, null, 0));
		}
	}

	private static PulseSettings withoutResume(PulseSettings d) {
		return new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(), d.writeTimeout(), d.idleTimeout(),
				d.shutdownTimeout(), d.sendBufferFrames(), d.sendBufferBytes(), d.overflowPolicy(), Duration.ZERO,
				d.resumeBufferFrames(), d.resumeBufferBytes(), d.maxConnections());
	}

	/**
	 * A payload as a listener gets it: the load generator's decoded {@code chat} payload.
	 */
	Object chatPayload() throws FrameDecodingException {
		Object payload = this.codec.decode(ClientFrames.SMALL).payload();
		if (payload == null) {
			throw new IllegalStateException("The chat frame has no payload");
		}
		return payload;
	}

	/**
	 * Throws unless every transport has written at least this many texts, so that a benchmark measures writes
	 * that happened.
	 */
	void checkWritten(long texts) {
		for (NoopTransport transport : this.transports) {
			if (transport.written < texts) {
				throw new IllegalStateException("A transport wrote " + transport.written + " texts, expected " + texts);
			}
		}
	}

	void shutdown() {
		this.manager.shutdown();
	}

}
