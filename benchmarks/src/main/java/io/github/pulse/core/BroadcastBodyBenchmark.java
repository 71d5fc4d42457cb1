package io.github.pulse.core;

import java.util.concurrent.TimeUnit;

import io.github.pulse.bench.jmh.ClientFrames;
import io.github.pulse.codec.FrameDecodingException;
import io.github.pulse.codec.JacksonPulseCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding the body a broadcast shares among its recipients ({@code WireFormat.messageBody}, once per
 * {@code SessionManager.broadcast}): the event, the room and the payload through the engine's Jackson codec.
 * <p>
 * In the engine's package because {@code WireFormat} is package-private; this module's copy of the package is a
 * split package on the benchmark's classpath, which is harmless there. Payloads: {@code small} and {@code 1kib} are
 * decoded client payloads relayed as they came ({@code JsonNode}, what the benchmark server's {@code chat} does),
 * {@code record} is an application record.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class BroadcastBodyBenchmark {

	/** Which payload is encoded. */
	@Param({ "small", "1kib", "record" })
	public String payload = "small";

	private WireFormat wire;

	private Object value;

	/**
	 * Builds the codec and the payload.
	 */
	@Setup
	public void setUp() throws FrameDecodingException {
		JacksonPulseCodec codec = new JacksonPulseCodec();
		this.wire = new WireFormat(codec, PulseSettings.defaults());
		Object decoded = "record".equals(this.payload) ? new ChatLine("alice", "hello, room", 1_732_266_000_123L)
				: codec.decode(ClientFrames.named(this.payload)).payload();
		if (decoded == null) {
			throw new IllegalStateException("Payload '" + this.payload + "' decoded to null");
		}
		this.value = decoded;
	}

	/**
	 * Encodes the body of a {@code chat} broadcast to room {@code bench}.
	 * @return the body
	 */
	@Benchmark
	public EncodedBody encodeBroadcastBody() {
		return this.wire.messageBody("chat", "bench", this.value);
	}

	/**
	 * An application payload.
	 * @param from sender
	 * @param text the line
	 * @param sentAt epoch milliseconds
	 */
	public record ChatLine(String from, String text, long sentAt) {
	}

}
