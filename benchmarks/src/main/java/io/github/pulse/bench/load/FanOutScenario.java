package io.github.pulse.bench.load;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Fan-out: subscribers and publishers in one room; publishers send {@code chat} at increasing rates and the server
 * broadcasts each message to everyone in the room. Each step publishes for warmup + step time, then waits for the
 * deliveries to drain so that the next step starts clean; latency covers every delivery after the warmup,
 * including those that arrive while draining.
 * <p>
 * With the event {@code echo} instead of {@code chat} the same steps measure the echo scenario: every connection
 * publishes (give no subscribers) and each message comes back to its sender only.
 */
public final class FanOutScenario {

	private FanOutScenario() {
	}

	/**
	 * Runs the scenario.
	 * @param settings what to run
	 * @param log where progress lines go
	 * @return the steps measured
	 * @throws IOException if the generator fails to open sockets
	 * @throws InterruptedException if interrupted
	 */
	public static Result run(Settings settings, java.util.function.Consumer<String> log)
			throws IOException, InterruptedException {
		try (LoadGenerator generator = new LoadGenerator(settings.host(), settings.ports(), settings.protocol(),
				settings.path(), settings.sourceAddresses(), settings.loops())) {
			long connectStart = System.nanoTime();
			int welcomed = generator.connect(settings.publishers(), settings.subscribers(), 100, Duration.ofSeconds(120));
			Duration connectTime = Duration.ofNanos(System.nanoTime() - connectStart);
			log.accept("connected " + welcomed + "/" + (settings.publishers() + settings.subscribers()) + " in "
					+ connectTime.toMillis() + " ms, errors " + generator.errors());
			List<Step> steps = new ArrayList<>();
			if (welcomed < settings.publishers() + settings.subscribers()) {
				return new Result(settings, welcomed, connectTime, steps, generator.errorCount(), generator.errors());
			}
			if (!settings.prewarm().isZero()) {
				// let both JITs compile the hot paths before anything is measured
				generator.publish(settings.event(), settings.rates().get(0), settings.prewarm(), Duration.ZERO, () -> {
				});
				drain(generator, Long.MAX_VALUE);
				log.accept("prewarmed for " + settings.prewarm().toMillis() + " ms");
			}
			for (double rate : settings.rates()) {
				Step step = step(generator, settings, rate);
				steps.add(step);
				log.accept(step.toString());
				if (step.p99Millis() > settings.stopAboveP99Millis()
						|| step.unsent() > step.sentPerSecond() * settings.step().toSeconds() / 10) {
					break;
				}
			}
			return new Result(settings, welcomed, connectTime, steps, generator.errorCount(), generator.errors());
		}
	}

	private static Step step(LoadGenerator generator, Settings settings, double rate) throws IOException {
		long deliveriesAtStart = generator.deliveries();
		AtomicLong measureStart = new AtomicLong();
		AtomicLong deliveriesAtMeasure = new AtomicLong();
		AtomicLong generatorCpuAtMeasure = new AtomicLong();
		AtomicLong serverCpuAtMeasure = new AtomicLong();
		Map<String, Long> processCpuAtMeasure = new ConcurrentHashMap<>();
		Map<String, Long> watched = watchedProcesses(settings);
		LoadGenerator.Published published = generator.publish(settings.event(), rate, settings.warmup().plus(settings.step()),
				settings.warmup(), () -> {
					generator.takeLatency();
					measureStart.set(System.nanoTime());
					deliveriesAtMeasure.set(generator.deliveries());
					generatorCpuAtMeasure.set(LoadGenerator.processCpuNanos());
					serverCpuAtMeasure.set(serverCpuNanos(settings.serverPids()).orElse(0L));
					watched.forEach((name, pid) -> processCpuAtMeasure.put(name, cpuNanos(pid).orElse(0L)));
				});
		long measureEnd = System.nanoTime();
		long deliveriesAtEnd = generator.deliveries();
		long generatorCpu = LoadGenerator.processCpuNanos() - generatorCpuAtMeasure.get();
		Optional<Long> serverCpu = serverCpuNanos(settings.serverPids()).map((cpu) -> cpu - serverCpuAtMeasure.get());
		Map<String, Double> processCpu = new LinkedHashMap<>();
		long measuredNanos = measureEnd - measureStart.get();
		watched.forEach((name, pid) -> cpuNanos(pid).ifPresent((cpu) -> processCpu.put(name,
				100.0 * (cpu - processCpuAtMeasure.getOrDefault(name, 0L)) / measuredNanos)));
		long perMessage = "echo".equals(settings.event()) ? 1 : generator.recipients();
		long drained = drain(generator, published.sent() * perMessage + deliveriesAtStart);
		Histogram latency = generator.takeLatency();
		double seconds = (measureEnd - measureStart.get()) / 1e9;
		double totalSeconds = settings.warmup().plus(settings.step()).toNanos() / 1e9;
		long expected = published.sent() * perMessage;
		return new Step(rate, published.sent() / totalSeconds, published.unsent(),
				(deliveriesAtEnd - deliveriesAtMeasure.get()) / seconds, Math.max(0, expected - (drained - deliveriesAtStart)),
				latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
				latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0,
				100.0 * generatorCpu / (measureEnd - measureStart.get()),
				serverCpu.map((cpu) -> 100.0 * cpu / (measureEnd - measureStart.get())).orElse(null), processCpu);
	}

	/**
	 * The processes whose CPU is reported one by one: every server when there are several ({@code node 1},
	 * {@code node 2}, ...), then the others given (e.g. {@code redis-server}); none for a single server alone.
	 */
	private static Map<String, Long> watchedProcesses(Settings settings) {
		Map<String, Long> watched = new LinkedHashMap<>();
		if (settings.serverPids().size() > 1) {
			for (int i = 0; i < settings.serverPids().size(); i++) {
				watched.put("node " + (i + 1), settings.serverPids().get(i));
			}
		}
		watched.putAll(settings.otherPids());
		return watched;
	}

	/**
	 * Waits until every expected delivery arrived, or deliveries stop for two seconds (frames were dropped), at most
	 * fifteen seconds. The quiet period is long so that a stall on a busy machine is not taken for a loss.
	 */
	private static long drain(LoadGenerator generator, long expectedTotal) {
		return awaitDeliveries(generator::deliveries, expectedTotal, Duration.ofSeconds(15));
	}

	/**
	 * Waits until {@code deliveries} reaches {@code expectedTotal}, or stops growing for two seconds, at most
	 * {@code atMost}.
	 * @return the deliveries counted at the end
	 */
	static long awaitDeliveries(LongSupplier deliveries, long expectedTotal, Duration atMost) {
		long deadline = System.nanoTime() + atMost.toNanos();
		long last = deliveries.getAsLong();
		long lastChange = System.nanoTime();
		while (last < expectedTotal && System.nanoTime() < deadline
				&& System.nanoTime() - lastChange < Duration.ofSeconds(2).toNanos()) {
			LockSupport.parkNanos(20_000_000);
			long now = deliveries.getAsLong();
			if (now != last) {
				last = now;
				lastChange = System.nanoTime();
			}
		}
		return deliveries.getAsLong();
	}

	/** CPU of all the servers together, if any pid was given. */
	private static Optional<Long> serverCpuNanos(List<Long> pids) {
		if (pids.isEmpty()) {
			return Optional.empty();
		}
		long total = 0;
		for (long pid : pids) {
			total += cpuNanos(pid).orElse(0L);
		}
		return Optional.of(total);
	}

	private static Optional<Long> cpuNanos(long pid) {
		return ProcessHandle.of(pid).flatMap((handle) -> handle.info().totalCpuDuration()).map(Duration::toNanos);
	}

	/**
	 * What to run.
	 * @param host server host
	 * @param ports server ports: one, or several nodes of one cluster; publishers connect to the first, subscribers
	 * are spread round-robin over all
	 * @param path WebSocket path and query, e.g. {@code /pulse?room=bench}
	 * @param subscribers receiving connections
	 * @param publishers publishing connections (also in the room)
	 * @param event what the publishers send: {@code chat} (broadcast to the room) or {@code echo} (back to the sender)
	 * @param rates message rates to step through, messages per second over all publishers
	 * @param prewarm unmeasured publishing at the first rate before the steps, so the servers' JIT is warm
	 * @param warmup unmeasured time at the start of each step
	 * @param step measured time of each step
	 * @param stopAboveP99Millis the run stops after a step whose p99 exceeds this
	 * @param sourceAddresses loopback source addresses to spread connections over
	 * @param loops generator selector threads
	 * @param serverPids the servers' process ids, to report their CPU use (summed; one by one when several), empty
	 * if unknown
	 * @param otherPids further processes whose CPU is reported one by one but not counted as server CPU, by name
	 * (e.g. {@code redis-server})
	 * @param protocol how the generator speaks to the server
	 */
	public record Settings(String host, List<Integer> ports, String path, int subscribers, int publishers, String event,
			List<Double> rates,
			Duration prewarm, Duration warmup, Duration step, double stopAboveP99Millis, int sourceAddresses, int loops,
			List<Long> serverPids, Map<String, Long> otherPids, WireProtocol protocol) {

		/**
		 * Checks and copies the lists.
		 */
		public Settings {
			if (ports.isEmpty()) {
				throw new IllegalArgumentException("no server port given");
			}
			ports = List.copyOf(ports);
			serverPids = List.copyOf(serverPids);
			otherPids = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(otherPids));
		}

		/**
		 * Settings for one server.
		 * @param host server host
		 * @param port server port
		 * @param path WebSocket path and query, e.g. {@code /pulse?room=bench}
		 * @param subscribers receiving connections
		 * @param publishers publishing connections (also in the room)
		 * @param event what the publishers send: {@code chat} or {@code echo}
		 * @param rates message rates to step through, messages per second over all publishers
		 * @param prewarm unmeasured publishing at the first rate before the steps
		 * @param warmup unmeasured time at the start of each step
		 * @param step measured time of each step
		 * @param stopAboveP99Millis the run stops after a step whose p99 exceeds this
		 * @param sourceAddresses loopback source addresses to spread connections over
		 * @param loops generator selector threads
		 * @param serverPid the server's process id, to report its CPU use, if known
		 * @param protocol how the generator speaks to the server
		 */
		public Settings(String host, int port, String path, int subscribers, int publishers, String event,
				List<Double> rates, Duration prewarm, Duration warmup, Duration step, double stopAboveP99Millis,
				int sourceAddresses, int loops, @Nullable Long serverPid, WireProtocol protocol) {
			this(host, List.of(port), path, subscribers, publishers, event, rates, prewarm, warmup, step,
					stopAboveP99Millis, sourceAddresses, loops, (serverPid != null) ? List.of(serverPid) : List.of(),
					Map.of(), protocol);
		}

		/**
		 * Settings for a server speaking pulse's protocol on {@code path}.
		 * @param host server host
		 * @param port server port
		 * @param path WebSocket path and query, e.g. {@code /pulse?room=bench}
		 * @param subscribers receiving connections
		 * @param publishers publishing connections (also in the room)
		 * @param event what the publishers send: {@code chat} or {@code echo}
		 * @param rates message rates to step through, messages per second over all publishers
		 * @param prewarm unmeasured publishing at the first rate before the steps
		 * @param warmup unmeasured time at the start of each step
		 * @param step measured time of each step
		 * @param stopAboveP99Millis the run stops after a step whose p99 exceeds this
		 * @param sourceAddresses loopback source addresses to spread connections over
		 * @param loops generator selector threads
		 * @param serverPid the server's process id, to report its CPU use, if known
		 */
		public Settings(String host, int port, String path, int subscribers, int publishers, String event,
				List<Double> rates, Duration prewarm, Duration warmup, Duration step, double stopAboveP99Millis,
				int sourceAddresses, int loops, @Nullable Long serverPid) {
			this(host, port, path, subscribers, publishers, event, rates, prewarm, warmup, step, stopAboveP99Millis,
					sourceAddresses, loops, serverPid, WireProtocol.pulse(path));
		}

		/**
		 * The first server's port: the only one, or the one the publishers connect to.
		 * @return the port
		 */
		public int port() {
			return this.ports.get(0);
		}

	}

	/**
	 * One rate step.
	 * @param targetRate messages per second asked for
	 * @param sentPerSecond messages per second written
	 * @param unsent messages scheduled but not written (the server pushed back, or the generator fell behind)
	 * @param deliveriesPerSecond deliveries per second during the measured window
	 * @param lost deliveries expected (sent times recipients) that never arrived
	 * @param p50Millis median latency
	 * @param p99Millis 99th percentile latency
	 * @param p999Millis 99.9th percentile latency
	 * @param maxMillis highest latency
	 * @param generatorCpuPercent generator CPU, percent of one core
	 * @param serverCpuPercent server CPU (all servers together), percent of one core, if their pids were given
	 * @param processCpuPercent CPU of each server when there are several, and of the other processes given, percent
	 * of one core, by name in the order given
	 */
	public record Step(double targetRate, double sentPerSecond, long unsent, double deliveriesPerSecond, long lost,
			double p50Millis, double p99Millis, double p999Millis, double maxMillis, double generatorCpuPercent,
			@Nullable Double serverCpuPercent, Map<String, Double> processCpuPercent) {

		/**
		 * Copies the per-process CPU, keeping its order.
		 */
		public Step {
			processCpuPercent = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(processCpuPercent));
		}

		/**
		 * A step of a run with at most one server and no other process watched.
		 * @param targetRate messages per second asked for
		 * @param sentPerSecond messages per second written
		 * @param unsent messages scheduled but not written
		 * @param deliveriesPerSecond deliveries per second during the measured window
		 * @param lost deliveries expected that never arrived
		 * @param p50Millis median latency
		 * @param p99Millis 99th percentile latency
		 * @param p999Millis 99.9th percentile latency
		 * @param maxMillis highest latency
		 * @param generatorCpuPercent generator CPU, percent of one core
		 * @param serverCpuPercent server CPU, percent of one core, if its pid was given
		 */
		public Step(double targetRate, double sentPerSecond, long unsent, double deliveriesPerSecond, long lost,
				double p50Millis, double p99Millis, double p999Millis, double maxMillis, double generatorCpuPercent,
				@Nullable Double serverCpuPercent) {
			this(targetRate, sentPerSecond, unsent, deliveriesPerSecond, lost, p50Millis, p99Millis, p999Millis,
					maxMillis, generatorCpuPercent, serverCpuPercent, Map.of());
		}

		/**
		 * Whether the server kept up: every message sent, every delivery made, p99 under 100 ms.
		 * @return whether this rate is sustained
		 */
		public boolean sustained() {
			return this.unsent == 0 && this.lost == 0 && this.p99Millis < 100;
		}

		/**
		 * Server CPU time per delivery, if the server's CPU was measured.
		 * @return microseconds of server CPU per delivery
		 */
		public @Nullable Double serverMicrosPerDelivery() {
			Double cpu = this.serverCpuPercent;
			return (cpu != null && this.deliveriesPerSecond > 0) ? cpu / 100 * 1e6 / this.deliveriesPerSecond : null;
		}

	}

	/**
	 * The outcome.
	 * @param settings what ran
	 * @param connected connections welcomed
	 * @param connectTime time to open all connections
	 * @param steps the steps measured
	 * @param errorCount errors seen by the generator
	 * @param errors errors by kind
	 */
	public record Result(Settings settings, int connected, Duration connectTime, List<Step> steps, long errorCount,
			java.util.Map<String, Long> errors) {

		/**
		 * The highest sustained step: p99 under 100 ms, nothing lost or unsent.
		 * @return the step, if any rate was sustained
		 */
		public Optional<Step> knee() {
			return this.steps.stream().filter(Step::sustained).reduce((first, second) -> second);
		}

		/**
		 * The most deliveries per second seen in any step.
		 * @return deliveries per second
		 */
		public double saturationDeliveriesPerSecond() {
			return this.steps.stream().mapToDouble(Step::deliveriesPerSecond).max().orElse(0);
		}

	}

}
