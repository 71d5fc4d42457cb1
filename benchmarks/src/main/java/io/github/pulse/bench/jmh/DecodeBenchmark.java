package io.github.pulse.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.github.pulse.codec.FrameDecodingException;
import io.github.pulse.codec.InboundFrame;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.core.EncodedBody;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding an inbound client frame as the engine does before its listeners run: {@code PulseWebSocketHandler}
 * measures the text's UTF-8 size, then {@code SessionManager.onText} parses it with the default codec (Jackson
 * streaming parser under the codec's {@code StreamReadConstraints}, the payload read as a tree).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class DecodeBenchmark {

	/** Which frame is decoded: {@code small} (the load generator's) or {@code 1kib}. */
	@Param({ "small", "1kib" })
	public String frame = "small";

	private JacksonPulseCodec codec;

	private String text;

	/**
	 * Builds the codec and checks that the frame decodes to a message.
	 */
	@Setup
	public void setUp() throws FrameDecodingException {
		this.codec = new JacksonPulseCodec();
		this.text = ClientFrames.named(this.frame);
		InboundFrame decoded = this.codec.decode(this.text);
		if (!InboundFrame.MESSAGE.equals(decoded.type()) || decoded.payload() == null) {
			throw new IllegalStateException("Frame '" + this.frame + "' did not decode to a message: " + decoded);
		}
	}

	/**
	 * Sizes and decodes one {@code chat} frame.
	 * @param blackhole sink for the size
	 * @return the decoded frame
	 */
	@Benchmark
	public InboundFrame decodeClientFrame(Blackhole blackhole) throws FrameDecodingException {
		blackhole.consume(EncodedBody.utf8Length(this.text));
		return this.codec.decode(this.text);
	}

}
