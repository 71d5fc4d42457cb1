package io.github.pulse.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.github.pulse.codec.FrameDecodingException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * In-process fan-out: one {@code broadcast} into a room of {@code recipients} connections whose transports
 * complete every write at once. Measures what the engine spends per broadcast (encoding the body once, then per
 * member: sequence number, send and replay buffers, the frame's text, the write and its completion) without a
 * socket; divide by {@code recipients} for the cost per delivery ({@code JmhReport} does).
 * <p>
 * With {@code resume=on} (the default settings) no client acknowledges, so each session's replay buffer fills up
 * to its default limit (1,024 frames) and then drops its oldest frame on each broadcast: the steady state of a server
 * whose clients do not ack, where every recipient's frame stays reachable for a while and the garbage collector
 * copies it. {@code resume=off} ({@code pulse.resume.window=0}) keeps nothing once written.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class BroadcastBenchmark {

	/** Members of the room. */
	@Param({ "100", "1000" })
	public int recipients = 100;

	/** Whether sessions keep written frames for replay: {@code on} (the default) or {@code off}. */
	@Param({ "on", "off" })
	public String resume = "on";

	private InMemoryEngine engine;

	private Object payload;

	/**
	 * Opens the connections and checks that a broadcast reaches all of them.
	 */
	@Setup
	public void open() throws FrameDecodingException {
		boolean keep = switch (this.resume) {
			case "on" -> true;
			case "off" -> false;
			default -> throw new IllegalArgumentException("resume must be on or off, not '" + this.resume + "'");
		};
		this.engine = new InMemoryEngine(this.recipients, keep);
		this.payload = this.engine.chatPayload();
		int reached = broadcast();
		if (reached != this.recipients) {
			throw new IllegalStateException("Broadcast reached " + reached + " of " + this.recipients);
		}
		// the welcome and the broadcast
		this.engine.checkWritten(2);
	}

	/**
	 * Closes the connections.
	 */
	@TearDown
	public void close() {
		this.engine.shutdown();
	}

	/**
	 * Broadcasts the load generator's {@code chat} payload to the room.
	 * @return the members reached
	 */
	@Benchmark
	public int broadcast() {
		return this.engine.manager.broadcast(InMemoryEngine.ROOM, "chat", this.payload);
	}

}
