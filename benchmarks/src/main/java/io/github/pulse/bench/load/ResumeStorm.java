package io.github.pulse.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;

/**
 * Resume storm: {@code clients} pulse clients connect through a {@link TcpProxy} and join one room; a publisher,
 * connected to the server directly, broadcasts {@code chat} at {@code rate} with a counter {@code "n"} in the
 * payload; the proxy then resets every relayed connection at once (no close frame) and each client reconnects with
 * {@code ?resume=<token>&lastSeq=<n>} after a random delay up to {@code jitter} (retrying with backoff if an attempt
 * fails), while the broadcasts go on. Every client checks that its {@code seq} has no gap, that the payload counter
 * has no hole across the cut, and after the publisher stops that it got the last message; the {@code missed} counts
 * of the {@code resumed} frames are summed.
 */
public final class ResumeStorm {

	private static final int PUBLISHER_BACKLOG_BYTES = 64 * 1024;

	private ResumeStorm() {
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
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "storm-reconnect");
			thread.setDaemon(true);
			return thread;
		});
		try (TcpProxy proxy = new TcpProxy(server, 1 + settings.sources(), settings.sources());
				TrackedClients clients = new TrackedClients(1, settings.sources(), settings.loops(), settings.ackEvery(),
						"storm");
				TrackedClients direct = new TrackedClients(1, 1, 1, settings.ackEvery(), "storm-publisher")) {
			long connectStart = System.nanoTime();
			List<TrackedClients.Client> all = clients.openAll(proxy.address(), "/pulse?room=storm", settings.clients(),
					100, Duration.ofSeconds(120));
			long connectMillis = (System.nanoTime() - connectStart) / 1_000_000;
			log.accept("connected " + clients.welcomed() + "/" + settings.clients() + " through the proxy in "
					+ connectMillis + " ms, errors " + clients.errors());
			TrackedClients.Client publisher = direct.openAll(server, "/pulse?room=storm", 1, 1, Duration.ofSeconds(30))
				.get(0);
			if (clients.welcomed() < settings.clients() || !publisher.welcomed) {
				return new Result(settings, clients.welcomed(), connectMillis, 0, 0, 0, 0, null, null, null, null, null,
						0, 0, 0, 0, 0, 0, 0, 0, 0, clients.errors());
			}
			AtomicBoolean publishing = new AtomicBoolean(true);
			AtomicLong published = new AtomicLong();
			Thread publisherThread = new Thread(() -> publish(direct, publisher, settings.rate(), publishing, published),
					"storm-publisher");
			publisherThread.setDaemon(true);
			publisherThread.start();
			Thread.sleep(settings.before().toMillis());

			LongAdder unexpectedCloses = new LongAdder();
			AtomicLong cutAt = new AtomicLong(Long.MAX_VALUE);
			clients.onClosed((client, connection) -> {
				if (connection != client.connection) {
					return;
				}
				if (client.resumedAt > cutAt.get()) {
					unexpectedCloses.increment();
					return;
				}
				long delay = (client.attempts == 0) ? ThreadLocalRandom.current().nextLong(settings.jitter().toMillis() + 1)
						: Math.min(2000, 100L << Math.min(client.attempts, 5))
								+ ThreadLocalRandom.current().nextLong(100);
				scheduler.schedule(() -> {
					try {
						clients.resume(client);
					}
					catch (IOException ex) {
						clients.onError(null, "reconnect: " + ex.getMessage());
					}
				}, delay, TimeUnit.MILLISECONDS);
			});
			for (TrackedClients.Client client : all) {
				client.expectDrop = true;
			}
			long publishedAtCut = published.get();
			cutAt.set(System.nanoTime());
			int cut = proxy.cutAll();
			log.accept("cut " + cut + " connections at message " + publishedAtCut);
			long deadline = System.nanoTime() + settings.resumeTimeout().toNanos();
			while (clients.resumed() + clients.resumeFailed() < settings.clients() && System.nanoTime() < deadline) {
				LockSupport.parkNanos(10_000_000);
			}
			long settled = System.nanoTime();
			log.accept("resumed " + clients.resumed() + ", resume failed " + clients.resumeFailed() + " after "
					+ (settled - cutAt.get()) / 1_000_000 + " ms");
			Thread.sleep(settings.after().toMillis());
			publishing.set(false);
			publisherThread.join(5000);
			long last = published.get() - 1;
			long drainDeadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
			while (System.nanoTime() < drainDeadline && all.stream().anyMatch((client) -> client.lastCounter < last)) {
				LockSupport.parkNanos(20_000_000);
			}
			return result(settings, clients, all, connectMillis, cut, cutAt.get(), published.get(), last,
					unexpectedCloses.sum());
		}
		finally {
			scheduler.shutdownNow();
		}
	}

	private static void publish(TrackedClients direct, TrackedClients.Client publisher, double rate,
			AtomicBoolean publishing, AtomicLong published) {
		long start = System.nanoTime();
		double interval = 1e9 / rate;
		while (publishing.get()) {
			long due = (long) ((System.nanoTime() - start) / interval) + 1;
			while (published.get() < due && publishing.get()) {
				long n = published.get();
				try {
					if (!direct.send(publisher, "chat", "{\"t\":" + System.nanoTime() + ",\"n\":" + n + "}",
							PUBLISHER_BACKLOG_BYTES)) {
						break;
					}
				}
				catch (IOException ex) {
					direct.onError(null, "publish: " + ex.getMessage());
					break;
				}
				published.incrementAndGet();
			}
			LockSupport.parkNanos(Math.min(5_000_000, (long) interval / 2));
		}
	}

	private static Result result(Settings settings, TrackedClients clients, List<TrackedClients.Client> all,
			long connectMillis, int cut, long cutAt, long published, long last, long unexpectedCloses) {
		Histogram sinceCut = new Histogram(3);
		Histogram handshake = new Histogram(3);
		long attempts = 0;
		long latest = 0;
		int resumed = 0;
		long gaps = 0;
		long holes = 0;
		long duplicates = 0;
		long tail = 0;
		long missed = 0;
		long replayed = 0;
		int failed = 0;
		for (TrackedClients.Client client : all) {
			attempts += client.attempts;
			gaps += client.gaps;
			holes += client.holes;
			duplicates += client.duplicateSeqs + client.duplicateCounters;
			tail += Math.max(0, last - client.lastCounter);
			missed += client.missed;
			replayed += client.replayed;
			if (client.resumeFailures > 0) {
				failed++;
			}
			else if (client.resumedAt > cutAt) {
				resumed++;
				long micros = (client.resumedAt - cutAt) / 1000;
				sinceCut.recordValue(micros);
				handshake.recordValue((client.resumedAt - client.attemptStarted) / 1000);
				latest = Math.max(latest, client.resumedAt);
			}
		}
		Double allResumed = (resumed == settings.clients()) ? (latest - cutAt) / 1e6 : null;
		return new Result(settings, clients.welcomed(), connectMillis, cut, resumed, failed,
				settings.clients() - resumed - failed, allResumed, millis(sinceCut, 50), millis(sinceCut, 99),
				millis(handshake, 50), millis(handshake, 99), attempts, published, replayed, missed, gaps, holes, tail,
				duplicates, unexpectedCloses, clients.errors());
	}

	private static Double millis(Histogram histogram, double percentile) {
		return (histogram.getTotalCount() > 0) ? histogram.getValueAtPercentile(percentile) / 1000.0 : null;
	}

	/**
	 * Command line: {@code --port} (required), {@code --host} (127.0.0.1), {@code --clients} (5000), {@code --rate}
	 * (messages per second, 5), {@code --before-ms} (3000), {@code --after-ms} (3000), {@code --jitter-ms} (1000),
	 * {@code --resume-timeout-ms} (30000), {@code --sources} (4), {@code --loops} (1), {@code --ack-every} (20),
	 * {@code --out} (markdown file; standard output when absent). Progress goes to standard error.
	 * @param args the arguments
	 * @throws Exception if the run fails
	 */
	public static void main(String[] args) throws Exception {
		ScenarioArgs options = new ScenarioArgs(args);
		Settings settings = new Settings(options.get("host", "127.0.0.1"), Integer.parseInt(options.get("port", "")),
				options.integer("clients", 5000), options.decimal("rate", 5),
				Duration.ofMillis(options.integer("before-ms", 3000)), Duration.ofMillis(options.integer("after-ms", 3000)),
				Duration.ofMillis(options.integer("jitter-ms", 1000)),
				Duration.ofMillis(options.integer("resume-timeout-ms", 30000)), options.integer("sources", 4),
				options.integer("loops", 1), options.integer("ack-every", 20));
		Result result = run(settings, (line) -> System.err.println("resume-storm: " + line));
		options.emit(result.markdown());
	}

	/**
	 * What to run.
	 * @param host server host
	 * @param port server port
	 * @param clients clients behind the proxy
	 * @param rate broadcasts per second
	 * @param before publishing time before the cut
	 * @param after publishing time after every client resumed (or the timeout passed)
	 * @param jitter each client waits a random time up to this before its first reconnect
	 * @param resumeTimeout how long to wait for every client to resume
	 * @param sources loopback source addresses for each side of the proxy
	 * @param loops client selector threads
	 * @param ackEvery clients acknowledge every this many frames
	 */
	public record Settings(String host, int port, int clients, double rate, Duration before, Duration after,
			Duration jitter, Duration resumeTimeout, int sources, int loops, int ackEvery) {
	}

	/**
	 * Outcome; times in milliseconds, null when not measured.
	 * @param settings what ran
	 * @param connected clients welcomed before the cut
	 * @param connectMillis time to connect them
	 * @param cut connections the proxy reset
	 * @param resumed clients that got a {@code resumed} frame after the cut
	 * @param failed clients told {@code resumeFailed} (they carry on in a new session)
	 * @param neverResumed clients neither resumed nor told it failed within the timeout
	 * @param allResumedMillis from the cut until the last client resumed, when all did
	 * @param p50SinceCut median time from the cut to a client's {@code resumed} frame (includes its jitter)
	 * @param p99SinceCut p99 of the same
	 * @param p50Handshake median time from a client's successful attempt to its {@code resumed} frame
	 * @param p99Handshake p99 of the same
	 * @param attempts reconnect attempts in total
	 * @param published messages the publisher sent
	 * @param replayed sum of the {@code replayed} counts
	 * @param missed sum of the {@code missed} counts (must be 0)
	 * @param seqGaps frames missing from the clients' {@code seq} sequences
	 * @param payloadHoles messages missing from the clients' payload counter sequences
	 * @param tailMissing messages at the end that a client never received
	 * @param duplicates frames received twice (by {@code seq} or payload counter)
	 * @param unexpectedCloses connections that closed after their client resumed
	 * @param errors client errors by kind (the resets of the cut are expected and not counted)
	 */
	public record Result(Settings settings, int connected, long connectMillis, int cut, int resumed, int failed,
			int neverResumed, Double allResumedMillis, Double p50SinceCut, Double p99SinceCut, Double p50Handshake,
			Double p99Handshake, long attempts, long published, long replayed, long missed, long seqGaps,
			long payloadHoles, long tailMissing, long duplicates, long unexpectedCloses, Map<String, Long> errors) {

		/**
		 * Frames lost in any way the clients can see.
		 * @return the count
		 */
		public long lost() {
			return this.seqGaps + this.payloadHoles + this.tailMissing;
		}

		/**
		 * A markdown table of the outcome.
		 * @return the fragment
		 */
		public String markdown() {
			StringBuilder md = new StringBuilder();
			md.append(String.format(Locale.ROOT,
					"%,d clients through a loopback TCP proxy (%,d connected in %,d ms), one room, %.0f broadcasts/s; "
							+ "the proxy resets all %,d connections at once; reconnect jitter 0 to %d ms, clients ack every %d frames.%n%n",
					this.settings.clients(), this.connected, this.connectMillis, this.settings.rate(), this.cut,
					this.settings.jitter().toMillis(), this.settings.ackEvery()));
			md.append("| clients | all resumed after (ms) | resume p50 / p99 since cut (ms) | handshake p50 / p99 (ms) "
					+ "| resumed | resume failures | never resumed | attempts | frames lost | `missed` sum | duplicates "
					+ "| replayed | client errors |\n");
			md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
			md.append(String.format(Locale.ROOT, "| %,d | %s | %s / %s | %s / %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %s |%n",
					this.settings.clients(), ms(this.allResumedMillis), ms(this.p50SinceCut), ms(this.p99SinceCut),
					ms(this.p50Handshake), ms(this.p99Handshake), this.resumed, this.failed, this.neverResumed,
					this.attempts, lost(), this.missed, this.duplicates, this.replayed,
					this.errors.isEmpty() ? "none" : this.errors.toString()));
			md.append(String.format(Locale.ROOT,
					"%nFrames lost = seq gaps %,d + payload holes %,d + messages never received at the end %,d; "
							+ "%,d messages published; %,d connections closed after resuming.%n",
					this.seqGaps, this.payloadHoles, this.tailMissing, this.published, this.unexpectedCloses));
			boolean met = this.allResumedMillis != null && this.allResumedMillis <= 10_000 && lost() == 0
					&& this.missed == 0 && this.duplicates == 0 && this.failed == 0 && this.neverResumed == 0;
			md.append(String.format(Locale.ROOT,
					"TARGET|resume storm: all %,d resumed within 10 s, zero frames lost|all resumed after %s ms; lost %,d, "
							+ "missed %,d, duplicates %,d, failures %,d|%s%n",
					this.settings.clients(), ms(this.allResumedMillis), lost(), this.missed, this.duplicates,
					this.failed + this.neverResumed, met ? "met" : "**not met**"));
			return md.toString();
		}

		private static String ms(Double value) {
			return (value != null) ? String.format(Locale.ROOT, "%,.0f", value) : "n/a";
		}

	}

}
