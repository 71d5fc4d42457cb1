package io.github.pulse.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Overload: {@code subscribers} and {@code publishers} in one room; the publishers send {@code chat} at
 * {@code rate} messages per second in total (far above what the server can fan out) for {@code duration}. Meanwhile
 * a bystander connection in another room sends {@code echo} every {@code pingInterval} and records the round trip,
 * the server's heap is sampled with {@code jstat} every 500 ms, and, for pulse, {@code pulse_frames_dropped_total} is
 * scraped from {@code /actuator/prometheus} before and after and compared with the {@code seq} gaps the clients saw.
 */
public final class Overload {

	private static final int PUBLISHER_BACKLOG_BYTES = 64 * 1024;

	private Overload() {
	}

	/**
	 * Runs the scenario.
	 * @param settings what to run
	 * @param log progress lines
	 * @return the outcome
	 * @throws IOException if sockets cannot be opened
	 * @throws InterruptedException if interrupted
	 */
	public static Result run(Settings settings, Consumer<String> log) throws IOException, InterruptedException {
		InetSocketAddress server = new InetSocketAddress(settings.host(), settings.port());
		try (TrackedClients room = new TrackedClients(1, settings.sources(), settings.loops(), settings.ackEvery(),
				"overload");
				TrackedClients side = new TrackedClients(1, 1, 1, 0, "bystander");
				HeapSampler heap = new HeapSampler(settings.serverPid())) {
			int members = settings.subscribers() + settings.publishers();
			List<TrackedClients.Client> clients = room.openAll(server, "/pulse?room=overload", members, 100,
					Duration.ofSeconds(120));
			TrackedClients.Client bystander = side.openAll(server, "/pulse?room=bystander", 1, 1, Duration.ofSeconds(30))
				.get(0);
			log.accept("connected " + room.welcomed() + "/" + members + ", bystander " + bystander.welcomed);
			if (room.welcomed() < members || !bystander.welcomed) {
				return new Result(settings, room.welcomed(), 0, 0, 0, 0, 0, 0, 0, null, null, null, 0, 0, null, null,
						null, null, 0, 0, room.errors());
			}
			List<TrackedClients.Client> publishers = clients.subList(0, settings.publishers());
			Map<String, Double> dropsBefore = scrapeDrops(settings.metricsUrl());
			heap.start();
			AtomicBoolean running = new AtomicBoolean(true);
			AtomicLong pings = new AtomicLong();
			Thread pinger = new Thread(() -> {
				while (running.get()) {
					try {
						side.send(bystander, "echo", "{\"t\":" + System.nanoTime() + "}", Integer.MAX_VALUE);
						pings.incrementAndGet();
					}
					catch (IOException ex) {
						side.onError(null, "ping: " + ex.getMessage());
					}
					LockSupport.parkNanos(settings.pingInterval().toNanos());
				}
			}, "bystander-pinger");
			pinger.setDaemon(true);
			side.takeEchoRoundTrip();
			pinger.start();
			long deliveriesBefore = room.deliveries();
			long start = System.nanoTime();
			long[] counts = publish(room, publishers, settings.rate(), settings.duration());
			long elapsed = System.nanoTime() - start;
			long deliveriesInWindow = room.deliveries() - deliveriesBefore;
			running.set(false);
			pinger.join(2000);
			long expected = counts[0] * members;
			// everything expected arrived, or deliveries stopped for two seconds, at most 20 s
			FanOutScenario.awaitDeliveries(room::deliveries, deliveriesBefore + expected, Duration.ofSeconds(20));
			Histogram roundTrip = side.takeEchoRoundTrip();
			heap.stop();
			Map<String, Double> dropsAfter = scrapeDrops(settings.metricsUrl());
			long gaps = clients.stream().mapToLong((client) -> client.gaps).sum();
			long closed = clients.stream().filter((client) -> !client.live).count();
			log.accept("sent " + counts[0] + ", unsent " + counts[1] + ", delivered " + (room.deliveries() - deliveriesBefore)
					+ " of " + expected + ", gaps " + gaps);
			return new Result(settings, room.welcomed(), counts[0], counts[1], counts[0] * 1e9 / elapsed * members,
					deliveriesInWindow * 1e9 / elapsed, room.deliveries() - deliveriesBefore, expected, gaps,
					millis(roundTrip, 50), millis(roundTrip, 99),
					(roundTrip.getTotalCount() > 0) ? roundTrip.getMaxValue() / 1000.0 : null, pings.get(),
					side.echoes(), heap.maxUsedMib(), heap.maxOldMib(),
					difference(dropsBefore, dropsAfter, "send-buffer-overflow"),
					difference(dropsBefore, dropsAfter, "resume-buffer-overflow"), closed, heap.samples(),
					merge(room.errors(), side.errors()));
		}
	}

	/**
	 * Publishes round-robin; a publisher whose socket is backed up is skipped, and a message no publisher can take
	 * is counted as unsent.
	 * @return sent and unsent counts
	 */
	private static long[] publish(TrackedClients room, List<TrackedClients.Client> publishers, double rate,
			Duration duration) throws IOException {
		long start = System.nanoTime();
		double interval = 1e9 / rate;
		long total = (long) (duration.toNanos() / interval);
		long sent = 0;
		long unsent = 0;
		int next = 0;
		while (sent + unsent < total) {
			long due = Math.min(total, (long) ((System.nanoTime() - start) / interval) + 1);
			while (sent + unsent < due) {
				boolean written = false;
				for (int tries = 0; tries < publishers.size() && !written; tries++) {
					TrackedClients.Client publisher = publishers.get(next);
					next = (next + 1) % publishers.size();
					written = room.send(publisher, "chat", "{\"t\":" + System.nanoTime() + "}", PUBLISHER_BACKLOG_BYTES);
				}
				if (written) {
					sent++;
				}
				else {
					unsent++;
				}
			}
			LockSupport.parkNanos(Math.min(1_000_000, (long) interval / 2));
		}
		return new long[] { sent, unsent };
	}

	private static Map<String, Long> merge(Map<String, Long> first, Map<String, Long> second) {
		Map<String, Long> merged = new java.util.TreeMap<>(first);
		second.forEach((kind, count) -> merged.merge("bystander " + kind, count, Long::sum));
		return merged;
	}

	private static @Nullable Double millis(Histogram histogram, double percentile) {
		return (histogram.getTotalCount() > 0) ? histogram.getValueAtPercentile(percentile) / 1000.0 : null;
	}

	private static @Nullable Long difference(@Nullable Map<String, Double> before, @Nullable Map<String, Double> after,
			String cause) {
		if (before == null || after == null) {
			return null;
		}
		return Math.round(after.getOrDefault(cause, 0.0) - before.getOrDefault(cause, 0.0));
	}

	/**
	 * {@code pulse_frames_dropped_total} by {@code cause}, from a Prometheus scrape.
	 * @param url the scrape URL, or null
	 * @return cause to count; null when there is no URL or the meter is absent (not a pulse server)
	 */
	static @Nullable Map<String, Double> scrapeDrops(@Nullable String url) {
		if (url == null || url.isEmpty()) {
			return null;
		}
		try {
			HttpResponse<String> response = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
						HttpResponse.BodyHandlers.ofString());
			return parseDrops(response.body());
		}
		catch (IOException ex) {
			return null;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	static @Nullable Map<String, Double> parseDrops(String scrape) {
		Map<String, Double> drops = new java.util.TreeMap<>();
		for (String line : scrape.split("\n")) {
			if (line.startsWith("pulse_frames_dropped_total{")) {
				int cause = line.indexOf("cause=\"");
				int end = line.indexOf('"', cause + 7);
				drops.put(line.substring(cause + 7, end),
						Double.valueOf(line.substring(line.lastIndexOf(' ') + 1)));
			}
		}
		return drops.isEmpty() ? null : drops;
	}

	/**
	 * Command line: {@code --port} (required), {@code --host} (127.0.0.1), {@code --label} (pulse),
	 * {@code --subscribers} (1000), {@code --publishers} (4), {@code --rate} (1000), {@code --duration-ms} (20000),
	 * {@code --ping-ms} (100), {@code --sources} (4), {@code --loops} (1), {@code --ack-every} (100),
	 * {@code --server-pid} (for the heap samples), {@code --metrics-url} (the Prometheus scrape; absent for a peer
	 * without pulse's meters), {@code --header} (true: print the table header), {@code --out}.
	 * @param args the arguments
	 * @throws Exception if the run fails
	 */
	public static void main(String[] args) throws Exception {
		ScenarioArgs options = new ScenarioArgs(args);
		String pid = options.get("server-pid", "");
		String label = options.get("label", "pulse");
		Settings settings = new Settings(label, options.get("host", "127.0.0.1"), Integer.parseInt(options.get("port", "")),
				options.integer("subscribers", 1000), options.integer("publishers", 4), options.decimal("rate", 1000),
				Duration.ofMillis(options.integer("duration-ms", 20000)), Duration.ofMillis(options.integer("ping-ms", 100)),
				options.integer("sources", 4), options.integer("loops", 1), options.integer("ack-every", 100),
				pid.isEmpty() ? null : Long.valueOf(pid), options.get("metrics-url", ""));
		Result result = run(settings, (line) -> System.err.println("overload " + label + ": " + line));
		options.emit((Boolean.parseBoolean(options.get("header", "true")) ? Result.HEADER : "") + result.row()
				+ result.targets());
	}

	/**
	 * What to run.
	 * @param label the server's name in the table
	 * @param host server host
	 * @param port server port
	 * @param subscribers receiving connections
	 * @param publishers publishing connections (in the room too)
	 * @param rate messages per second over all publishers
	 * @param duration how long to publish
	 * @param pingInterval the bystander's echo interval
	 * @param sources loopback source addresses
	 * @param loops client selector threads
	 * @param ackEvery clients acknowledge every this many frames (pulse frees its replay buffer)
	 * @param serverPid the server's pid, for heap samples
	 * @param metricsUrl Prometheus scrape URL, empty for none
	 */
	public record Settings(String label, String host, int port, int subscribers, int publishers, double rate,
			Duration duration, Duration pingInterval, int sources, int loops, int ackEvery, @Nullable Long serverPid,
			String metricsUrl) {
	}

	/**
	 * Outcome.
	 * @param settings what ran
	 * @param connected connections welcomed
	 * @param sent messages written by the publishers
	 * @param unsent messages no publisher could take (all backed up)
	 * @param requestedPerSecond deliveries per second asked for: messages sent per second times room size
	 * @param achievedPerSecond deliveries per second received while publishing
	 * @param delivered deliveries received in total, draining included
	 * @param expected messages sent times room size
	 * @param seqGaps frames missing from the clients' {@code seq} sequences
	 * @param p50 bystander echo round trip, ms
	 * @param p99 same, p99
	 * @param max same, maximum
	 * @param pings echoes the bystander sent
	 * @param pongs echo replies it received
	 * @param heapMaxMib most heap used in a sample (young and old), MiB
	 * @param oldMaxMib most old generation used in a sample, MiB
	 * @param serverDropped frames the server counted as dropped for send-buffer overflow, null without pulse meters
	 * @param resumeBufferDropped frames the server counted as dropped from replay buffers
	 * @param closed room connections closed by the end
	 * @param heapSamples heap samples taken
	 * @param errors client errors by kind
	 */
	public record Result(Settings settings, int connected, long sent, long unsent, double requestedPerSecond,
			double achievedPerSecond, long delivered, long expected, long seqGaps, @Nullable Double p50,
			@Nullable Double p99, @Nullable Double max, long pings, long pongs, @Nullable Double heapMaxMib,
			@Nullable Double oldMaxMib, @Nullable Long serverDropped, @Nullable Long resumeBufferDropped, long closed,
			int heapSamples, Map<String, Long> errors) {

		static final String HEADER = "| server | requested deliveries/s | achieved deliveries/s | delivered / expected "
				+ "| unsent msgs | bystander RTT p50 / p99 / max (ms) | echoes answered | heap used max / old gen max (MiB) "
				+ "| dropped (server count) | seq gaps (clients) | replay-buffer drops | closed conns | client errors |\n"
				+ "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";

		/**
		 * The table row.
		 * @return one markdown line
		 */
		public String row() {
			return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,d / %,d | %,d | %s / %s / %s | %,d / %,d | %s / %s | %s | %s | %s | %,d | %s |%n",
					this.settings.label(), this.requestedPerSecond, this.achievedPerSecond, this.delivered, this.expected,
					this.unsent, num(this.p50), num(this.p99), num(this.max), this.pongs, this.pings, num(this.heapMaxMib),
					num(this.oldMaxMib), count(this.serverDropped),
					this.settings.metricsUrl().isEmpty() ? "n/a (no seq)" : String.format(Locale.ROOT, "%,d", this.seqGaps),
					count(this.resumeBufferDropped), this.closed, this.errors.isEmpty() ? "none" : this.errors.toString());
		}

		/**
		 * Lines for the report's table of targets ({@code TARGET|target|value|verdict}), for a server with pulse's
		 * meters: the bystander answered within 200 ms at p99, every dropped frame counted, heap bounded (the most
		 * used stays under 80 % of a 1 GiB heap).
		 * @return the lines, empty without pulse's meters
		 */
		public String targets() {
			if (this.settings.metricsUrl().isEmpty()) {
				return "";
			}
			boolean answered = this.p99 != null && this.p99 < 200 && this.pongs == this.pings;
			boolean counted = this.serverDropped != null && this.serverDropped == this.seqGaps;
			boolean bounded = this.heapMaxMib != null && this.heapMaxMib < 0.8 * 1024;
			return String.format(Locale.ROOT,
					"TARGET|overload at 10x capacity (%s): a bystander's echo answered within 200 ms|p99 %s ms, max %s ms, "
							+ "%,d / %,d answered|%s%n"
							+ "TARGET|overload (%s): every dropped frame counted|server %s, clients' seq gaps %,d|%s%n"
							+ "TARGET|overload (%s): heap bounded|most used %s MiB (old generation %s MiB) of 1 GiB|%s%n",
					this.settings.label(), num(this.p99), num(this.max), this.pongs, this.pings, verdict(answered),
					this.settings.label(), count(this.serverDropped), this.seqGaps, verdict(counted),
					this.settings.label(), num(this.heapMaxMib), num(this.oldMaxMib), verdict(bounded));
		}

		private static String verdict(boolean met) {
			return met ? "met" : "**not met**";
		}

		private static String num(@Nullable Double value) {
			return (value != null) ? String.format(Locale.ROOT, "%,.1f", value) : "n/a";
		}

		private static String count(@Nullable Long value) {
			return (value != null) ? String.format(Locale.ROOT, "%,d", value) : "n/a";
		}

	}

	/**
	 * Samples a JVM's heap with {@code jstat -gc <pid> 500} (read from the JVM's performance counters: no attach,
	 * nothing runs in the server).
	 */
	static final class HeapSampler implements AutoCloseable {

		private final @Nullable Long pid;

		private @Nullable Process process;

		private @Nullable Thread reader;

		private volatile double maxUsedKib = -1;

		private volatile double maxOldKib = -1;

		private volatile int samples;

		HeapSampler(@Nullable Long pid) {
			this.pid = pid;
		}

		void start() throws IOException {
			if (this.pid == null) {
				return;
			}
			Process jstat = new ProcessBuilder("jstat", "-gc", this.pid.toString(), "500").redirectErrorStream(true)
				.start();
			this.process = jstat;
			Thread thread = new Thread(() -> read(jstat), "jstat-reader");
			thread.setDaemon(true);
			thread.start();
			this.reader = thread;
		}

		private void read(Process jstat) {
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(jstat.getInputStream(), StandardCharsets.US_ASCII))) {
				List<String> header = null;
				String line;
				while ((line = lines.readLine()) != null) {
					List<String> fields = Arrays.asList(line.trim().split("\\s+"));
					if (fields.contains("EU")) {
						header = fields;
						continue;
					}
					if (header == null || fields.size() != header.size()) {
						continue;
					}
					double old = value(header, fields, "OU");
					double used = value(header, fields, "S0U") + value(header, fields, "S1U")
							+ value(header, fields, "EU") + old;
					this.maxUsedKib = Math.max(this.maxUsedKib, used);
					this.maxOldKib = Math.max(this.maxOldKib, old);
					this.samples++;
				}
			}
			catch (IOException | RuntimeException ex) {
				// the sampler stops; what was read stays
			}
		}

		private static double value(List<String> header, List<String> fields, String column) {
			return Double.parseDouble(fields.get(header.indexOf(column)));
		}

		void stop() throws InterruptedException {
			Process jstat = this.process;
			if (jstat != null) {
				jstat.destroy();
				jstat.waitFor();
				this.reader.join(2000);
			}
		}

		@Nullable Double maxUsedMib() {
			return (this.maxUsedKib >= 0) ? this.maxUsedKib / 1024 : null;
		}

		@Nullable Double maxOldMib() {
			return (this.maxOldKib >= 0) ? this.maxOldKib / 1024 : null;
		}

		int samples() {
			return this.samples;
		}

		@Override
		public void close() throws InterruptedException {
			stop();
		}

	}

}
