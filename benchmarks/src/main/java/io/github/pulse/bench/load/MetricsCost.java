package io.github.pulse.bench.load;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import org.jspecify.annotations.Nullable;

/**
 * Metrics cost: the fan-out scenario ({@link FanOutScenario}) at one fixed rate near saturation against a fresh
 * pulse server per run, alternating metrics on (the defaults: Micrometer meters with the Prometheus registry, and
 * observations) and off ({@link #METRICS_OFF}: pulse's meter auto-configuration excluded, so the engine runs with its
 * no-op observer, and pulse's observations disabled), {@code rounds} times each, and compares the medians of
 * deliveries per second and of the server's CPU time per delivery.
 */
public final class MetricsCost {

	/**
	 * Server arguments that switch pulse's metrics off: without {@code PulseMetricsAutoConfiguration} there is no
	 * {@code PulseObserver} bean and the engine uses {@code PulseObserver.NOOP}, so no meter is touched on the hot
	 * path (what {@code management.metrics.enable.pulse=false} would not achieve: it turns the meters into no-op
	 * meters that are still called); the {@code pulse.handshake} and {@code pulse.message} observations are off too.
	 */
	public static final List<String> METRICS_OFF = List.of(
			"--spring.autoconfigure.exclude=io.github.pulse.autoconfigure.PulseMetricsAutoConfiguration",
			"--management.observations.enable.pulse=false");

	/** The server running now: destroyed by a shutdown hook if this JVM is stopped mid-run (e.g. by timeout). */
	private static volatile @Nullable Process running;

	private MetricsCost() {
	}

	/**
	 * Command line: {@code --jar} (the benchmarks jar, required), {@code --rounds} (3), {@code --subscribers} (1000),
	 * {@code --publishers} (2), {@code --rate} (150), {@code --prewarm-ms} (3000), {@code --warmup-ms} (1000),
	 * {@code --step-ms} (4000), {@code --server-heap} (1g), {@code --sources} (4), {@code --loops} (1), {@code --out}.
	 * @param args the arguments
	 * @throws Exception if the run fails
	 */
	public static void main(String[] args) throws Exception {
		ScenarioArgs options = new ScenarioArgs(args);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			Process server = running;
			if (server != null) {
				server.destroyForcibly();
			}
		}));
		String jar = options.get("jar", "");
		int rounds = options.integer("rounds", 3);
		List<Run> runs = new ArrayList<>();
		Consumer<String> log = (line) -> System.err.println("metrics-cost: " + line);
		for (int round = 1; round <= rounds; round++) {
			// alternate which goes first, so that a drift of the machine's load does not favour one side
			boolean onFirst = round % 2 == 1;
			for (boolean metrics : new boolean[] { onFirst, !onFirst }) {
				FanOutScenario.Step step = runOnce(jar, metrics, options, log);
				runs.add(new Run(metrics, round, step));
				log.accept("round " + round + " metrics " + (metrics ? "on" : "off") + ": " + step);
			}
		}
		options.emit(markdown(runs, options.integer("subscribers", 1000), options.integer("publishers", 2),
				options.decimal("rate", 150)));
	}

	private static FanOutScenario.Step runOnce(String jar, boolean metrics, ScenarioArgs options, Consumer<String> log)
			throws IOException, InterruptedException {
		int port = 20000 + ThreadLocalRandom.current().nextInt(10000);
		List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
				"-Xmx" + options.get("server-heap", "1g"), "-cp", jar,
				"-Dloader.main=io.github.pulse.bench.PulseBenchServer",
				"org.springframework.boot.loader.launch.PropertiesLauncher", "--server.port=" + port,
				"--server.tomcat.max-connections=30000", "--logging.level.root=WARN"));
		if (!metrics) {
			command.addAll(METRICS_OFF);
		}
		Process server = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(File.createTempFile("metrics-cost-server", ".log"))
			.start();
		running = server;
		try {
			awaitHttp(port, Duration.ofSeconds(60));
			FanOutScenario.Settings settings = new FanOutScenario.Settings("127.0.0.1", port, "/pulse?room=bench",
					options.integer("subscribers", 1000), options.integer("publishers", 2), "chat",
					List.of(options.decimal("rate", 150)), Duration.ofMillis(options.integer("prewarm-ms", 3000)),
					Duration.ofMillis(options.integer("warmup-ms", 1000)), Duration.ofMillis(options.integer("step-ms", 4000)),
					Double.MAX_VALUE, options.integer("sources", 4), options.integer("loops", 1), server.pid());
			FanOutScenario.Result result = FanOutScenario.run(settings, (line) -> {
			});
			if (result.steps().isEmpty()) {
				throw new IllegalStateException("connected " + result.connected() + " only: " + result.errors());
			}
			return result.steps().get(0);
		}
		finally {
			server.destroy();
			if (!server.waitFor(30, TimeUnit.SECONDS)) {
				server.destroyForcibly().waitFor();
			}
			running = null;
		}
	}

	private static void awaitHttp(int port, Duration timeout) throws InterruptedException {
		HttpClient client = HttpClient.newHttpClient();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			try {
				client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
						HttpResponse.BodyHandlers.discarding());
				return;
			}
			catch (IOException ex) {
				Thread.sleep(250);
			}
		}
		throw new IllegalStateException("the server on port " + port + " did not start");
	}

	static String markdown(List<Run> runs, int subscribers, int publishers, double rate) {
		StringBuilder md = new StringBuilder();
		md.append(String.format(Locale.ROOT,
				"%,d subscribers and %d publishers in one room at %.0f messages/s (%,.0f deliveries/s requested), one fresh "
						+ "server per run, metrics on and off alternating.%n%n",
				subscribers, publishers, rate, rate * (subscribers + publishers)));
		md.append("| run | metrics | deliveries/s | server CPU per delivery (µs) | p99 (ms) | lost |\n");
		md.append("| ---: | --- | ---: | ---: | ---: | ---: |\n");
		for (Run run : runs) {
			md.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %s | %.1f | %,d |%n", run.round(),
					run.metrics() ? "on" : "off", run.step().deliveriesPerSecond(),
					(run.step().serverMicrosPerDelivery() != null)
							? String.format(Locale.ROOT, "%.2f", run.step().serverMicrosPerDelivery()) : "n/a",
					run.step().p99Millis(), run.step().lost()));
		}
		Double throughputOn = median(runs, true, (step) -> step.deliveriesPerSecond());
		Double throughputOff = median(runs, false, (step) -> step.deliveriesPerSecond());
		Double cpuOn = median(runs, true, MetricsCost::cpu);
		Double cpuOff = median(runs, false, MetricsCost::cpu);
		md.append(String.format(Locale.ROOT,
				"%nMedians: deliveries/s on %s, off %s, ratio on/off %s (throughput cost %s); server CPU per delivery on "
						+ "%s µs, off %s µs, ratio on/off %s (CPU cost %s).%n",
				format(throughputOn, "%,.0f"), format(throughputOff, "%,.0f"), ratio(throughputOn, throughputOff),
				cost(throughputOff, throughputOn), format(cpuOn, "%.2f"), format(cpuOff, "%.2f"), ratio(cpuOn, cpuOff),
				cost(cpuOn, cpuOff)));
		// below saturation the offered rate caps throughput, so CPU per delivery is what shows the cost: both count
		boolean throughputMet = throughputOn != null && throughputOff != null && throughputOn >= 0.97 * throughputOff;
		boolean cpuMet = cpuOn != null && cpuOff != null && !cpuOn.isNaN() && !cpuOff.isNaN() && cpuOn <= 1.03 * cpuOff;
		md.append(String.format(Locale.ROOT,
				"TARGET|metrics on cost under 3 %% (fan-out throughput and server CPU per delivery)|throughput %s, "
						+ "CPU per delivery %s|%s%n",
				cost(throughputOff, throughputOn), cost(cpuOn, cpuOff), (throughputMet && cpuMet) ? "met" : "**not met**"));
		return md.toString();
	}

	private static double cpu(FanOutScenario.Step step) {
		return (step.serverMicrosPerDelivery() != null) ? step.serverMicrosPerDelivery() : Double.NaN;
	}

	static @Nullable Double median(List<Run> runs, boolean metrics, ToDoubleFunction<FanOutScenario.Step> value) {
		double[] values = runs.stream()
			.filter((run) -> run.metrics() == metrics)
			.mapToDouble((run) -> value.applyAsDouble(run.step()))
			.filter((v) -> !Double.isNaN(v))
			.sorted()
			.toArray();
		if (values.length == 0) {
			return null;
		}
		int middle = values.length / 2;
		return (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
	}

	private static String format(@Nullable Double value, String pattern) {
		return (value != null) ? String.format(Locale.ROOT, pattern, value) : "n/a";
	}

	private static String ratio(@Nullable Double a, @Nullable Double b) {
		return (a != null && b != null && b != 0) ? String.format(Locale.ROOT, "%.3f", a / b) : "n/a";
	}

	/** How much more {@code higher} is than {@code lower}, in percent of {@code lower}. */
	private static String cost(@Nullable Double higher, @Nullable Double lower) {
		return (higher != null && lower != null && lower != 0)
				? String.format(Locale.ROOT, "%+.1f %%", 100 * (higher / lower - 1)) : "n/a";
	}

	/**
	 * One measured run.
	 * @param metrics whether pulse's metrics were on
	 * @param round which round
	 * @param step the fan-out step measured
	 */
	record Run(boolean metrics, int round, FanOutScenario.Step step) {
	}

}
