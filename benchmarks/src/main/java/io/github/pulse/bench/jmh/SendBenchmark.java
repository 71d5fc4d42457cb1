package io.github.pulse.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.github.pulse.codec.FrameDecodingException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One message to one connection on a transport that completes every write at once: {@code send} is the public
 * {@code PulseServer.send} (encode the body, look the connection up, enqueue, write);
 * {@code sendPreEncoded} hands the engine an encoded body ({@code SessionManager.deliverSend}, what a cluster
 * node receives), leaving the session's enqueue and write path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class SendBenchmark {

	private InMemoryEngine engine;

	private String connectionId;

	private Object payload;

	private String body;

	/**
	 * Opens the connection and checks that both kinds of send are written.
	 */
	@Setup
	public void open() throws FrameDecodingException {
		this.engine = new InMemoryEngine(1);
		this.connectionId = this.engine.connections.get(0).id();
		this.payload = this.engine.chatPayload();
		this.body = ",\"event\":\"chat\",\"payload\":" + this.engine.codec.encodePayload(this.payload) + "}";
		if (!send() || !sendPreEncoded()) {
			throw new IllegalStateException("The connection refused a send");
		}
		// the welcome and the two sends
		this.engine.checkWritten(3);
	}

	/**
	 * Closes the connection.
	 */
	@TearDown
	public void close() {
		this.engine.shutdown();
	}

	/**
	 * Sends the load generator's {@code chat} payload.
	 * @return whether it was queued
	 */
	@Benchmark
	public boolean send() {
		return this.engine.manager.send(this.connectionId, "chat", this.payload);
	}

	/**
	 * Sends an encoded body.
	 * @return whether it was queued
	 */
	@Benchmark
	public boolean sendPreEncoded() {
		return this.engine.manager.deliverSend(this.connectionId, this.body);
	}

}
