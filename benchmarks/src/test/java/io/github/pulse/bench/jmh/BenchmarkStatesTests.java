package io.github.pulse.bench.jmh;

import io.github.pulse.core.BroadcastBodyBenchmark;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs each microbenchmark's setup, one operation and teardown outside JMH, so that a change to the engine that
 * breaks a benchmark shows in the normal build rather than in the next benchmark run.
 */
class BenchmarkStatesTests {

	@Test
	void broadcastReachesEveryRecipientWithAndWithoutResume() throws Exception {
		for (String resume : new String[] { "on", "off" }) {
			BroadcastBenchmark benchmark = new BroadcastBenchmark();
			benchmark.recipients = 10;
			benchmark.resume = resume;
			benchmark.open();
			try {
				assertThat(benchmark.broadcast()).as(resume).isEqualTo(10);
			}
			finally {
				benchmark.close();
			}
		}
	}

	@Test
	void bothSendsAreQueued() throws Exception {
		SendBenchmark benchmark = new SendBenchmark();
		benchmark.open();
		try {
			assertThat(benchmark.send()).isTrue();
			assertThat(benchmark.sendPreEncoded()).isTrue();
		}
		finally {
			benchmark.close();
		}
	}

	@Test
	void everyFrameDecodesToAChatMessage() throws Exception {
		for (String frame : new String[] { "small", "1kib" }) {
			DecodeBenchmark benchmark = new DecodeBenchmark();
			benchmark.frame = frame;
			benchmark.setUp();
			Blackhole blackhole = new Blackhole(
					"Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
			assertThat(benchmark.decodeClientFrame(blackhole).event()).isEqualTo("chat");
		}
	}

	@Test
	void everyPayloadEncodesIntoABroadcastBody() throws Exception {
		for (String payload : new String[] { "small", "1kib", "record" }) {
			BroadcastBodyBenchmark benchmark = new BroadcastBodyBenchmark();
			benchmark.payload = payload;
			benchmark.setUp();
			assertThat(benchmark.encodeBroadcastBody().text()).startsWith(",\"event\":\"chat\",\"room\":\"bench\",\"payload\":{")
				.endsWith("}");
		}
	}

}
