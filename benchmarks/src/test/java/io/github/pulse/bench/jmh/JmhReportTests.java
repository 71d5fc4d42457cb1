package io.github.pulse.bench.jmh;

import tools.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The markdown table made from JMH's JSON results.
 */
class JmhReportTests {

	private static final String RESULTS = """
			[
			  {
			    "benchmark": "io.github.pulse.bench.jmh.BroadcastBenchmark.broadcast",
			    "mode": "avgt",
			    "params": { "recipients": "1000" },
			    "primaryMetric": { "score": 250000.0, "scoreError": 12345.6, "scoreUnit": "ns/op" },
			    "secondaryMetrics": {
			      "gc.alloc.rate.norm": { "score": 96000.0, "scoreError": 1.0, "scoreUnit": "B/op" }
			    }
			  },
			  {
			    "benchmark": "io.github.pulse.bench.jmh.SendBenchmark.sendPreEncoded",
			    "mode": "avgt",
			    "primaryMetric": { "score": 48.25, "scoreError": "NaN", "scoreUnit": "ns/op" },
			    "secondaryMetrics": {}
			  }
			]
			""";

	@Test
	void everyResultBecomesARowWithItsAllocationAndTheCostPerRecipientOfABroadcast() throws Exception {
		String table = JmhReport.table(new ObjectMapper().readTree(RESULTS));

		assertThat(table.lines()).containsExactly(
				"| benchmark | parameters | score | error | unit | allocated | per recipient |",
				"| --- | --- | ---: | ---: | --- | ---: | ---: |",
				"| BroadcastBenchmark.broadcast | recipients=1000 | 250,000 | ± 12,346 | ns/op | 96,000 B/op | 250 ns, 96.0 B |",
				"| SendBenchmark.sendPreEncoded |  | 48.3 | ± n/a | ns/op | n/a |  |");
	}

}
