package io.github.pulse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionClosedException;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.codec.JacksonPulseCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence in the engine, with in-memory transports and a hand-driven clock: first join and last leave per user,
 * who is counted, a suspended session that stays present until its window elapses, and the invariant of the
 * events under concurrent joins, leaves and ends of one user's connections.
 */
class PresenceTests {

	private static final Duration WINDOW = Duration.ofSeconds(30);

	private static final JsonMapper json = JsonMapper.builder().build();

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final SessionManager manager = new SessionManager(settings(), new JacksonPulseCodec(), List.of(),
			PulseObserver.NOOP, this.now::get);

	{
		this.manager.setPresence(List.of("chat-*"));
	}

	private static PulseSettings settings() {
		PulseSettings d = PulseSettings.defaults();
		return new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(), d.writeTimeout(), null,
				Duration.ofMillis(100), 100_000, d.sendBufferBytes() * 64, d.overflowPolicy(), WINDOW,
				d.resumeBufferFrames(), d.resumeBufferBytes(), -1);
	}

	@AfterEach
	void stop() {
		this.manager.shutdown();
	}

	private PulseConnection open(FakeTransport transport, List<String> rooms, String user) {
		ConnectDecision decision = ConnectDecision.accept(rooms);
		return this.manager.open(transport, (user != null) ? decision.withUser(user) : decision.withoutUser(), null,
				null, 0);
	}

	/** The presence frames a transport got, as "joined bob" or "left bob". */
	private static List<String> presenceOf(FakeTransport transport, String room) {
		List<String> events = new ArrayList<>();
		for (String text : transport.texts) {
			JsonNode frame = json.readTree(text);
			if ("presence".equals(frame.path("type").asText()) && room.equals(frame.path("room").asText())) {
				String change = frame.has("joined") ? "joined" : "left";
				events.add(change + " " + frame.path(change).path("user").asText());
			}
		}
		return events;
	}

	@Test
	void membersAreToldOfAUsersFirstConnectionAndItsLastOnly() {
		FakeTransport watcher = new FakeTransport();
		open(watcher, List.of("chat-1"), "watcher");
		PulseConnection tab1 = open(new FakeTransport(), List.of("chat-1"), "bob");
		PulseConnection tab2 = open(new FakeTransport(), List.of("chat-1"), "bob");
		assertThat(this.manager.presence("chat-1")).containsExactly(Map.entry("watcher", 1), Map.entry("bob", 2));
		assertThat(tab1.leave("chat-1")).isTrue();
		assertThat(presenceOf(watcher, "chat-1")).containsExactly("joined bob");
		tab2.close();
		assertThat(presenceOf(watcher, "chat-1")).containsExactly("joined bob", "left bob");
		assertThat(this.manager.presence("chat-1")).containsExactly(Map.entry("watcher", 1));
	}

	@Test
	void theFrameIsNumberedInSeqLikeABroadcastAndTheJoiningConnectionDoesNotGetItsOwn() {
		FakeTransport watcher = new FakeTransport();
		open(watcher, List.of("chat-1"), null);
		FakeTransport bob = new FakeTransport();
		open(bob, List.of("chat-1"), "bob");
		JsonNode frame = json.readTree(watcher.texts.get(watcher.texts.size() - 1));
		assertThat(frame.path("type").asText()).isEqualTo("presence");
		assertThat(frame.path("seq").asLong()).isEqualTo(1);
		assertThat(frame.path("joined").path("user").asText()).isEqualTo("bob");
		assertThat(watcher.texts.get(watcher.texts.size() - 1))
			.isEqualTo("{\"type\":\"presence\",\"seq\":1,\"room\":\"chat-1\",\"joined\":{\"user\":\"bob\"}}");
		assertThat(presenceOf(bob, "chat-1")).isEmpty();
	}

	@Test
	void connectionsWithoutAUserAndRoomsWithoutPresenceHaveNone() {
		FakeTransport watcher = new FakeTransport();
		open(watcher, List.of("chat-1", "lobby"), "watcher");
		open(new FakeTransport(), List.of("chat-1"), null);
		open(new FakeTransport(), List.of("lobby"), "bob");
		assertThat(this.manager.presence("chat-1")).containsOnlyKeys("watcher");
		assertThat(this.manager.presence("lobby")).isEmpty();
		assertThat(presenceOf(watcher, "chat-1")).isEmpty();
		assertThat(presenceOf(watcher, "lobby")).isEmpty();
	}

	@Test
	void aSuspendedSessionStaysPresentAndResumesWithoutEventsAndAnExpiredOneLeaves() {
		FakeTransport watcher = new FakeTransport();
		open(watcher, List.of("chat-1"), null);
		FakeTransport transport = new FakeTransport();
		PulseConnection bob = open(transport, List.of("chat-1"), "bob");
		String token = welcomeToken(transport);
		this.manager.onTransportError(bob, transport);
		assertThat(bob.state()).isEqualTo(ConnectionState.SUSPENDED);
		assertThat(this.manager.presence("chat-1")).containsOnlyKeys("bob");
		FakeTransport again = new FakeTransport();
		PulseConnection resumed = this.manager.open(again, ConnectDecision.accept(List.of()), null, token, 0);
		assertThat(resumed).isSameAs(bob);
		assertThat(presenceOf(watcher, "chat-1")).containsExactly("joined bob");
		this.manager.onTransportError(bob, again);
		this.now.addAndGet(WINDOW.toNanos() + 1);
		this.manager.tick();
		assertThat(bob.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(presenceOf(watcher, "chat-1")).containsExactly("joined bob", "left bob");
		assertThat(this.manager.presence("chat-1")).isEmpty();
	}

	@Test
	void aKickedConnectionLeaves() {
		FakeTransport watcher = new FakeTransport();
		open(watcher, List.of("chat-1"), null);
		PulseConnection bob = open(new FakeTransport(), List.of("chat-1"), "bob");
		this.manager.kick(bob.id());
		assertThat(presenceOf(watcher, "chat-1")).containsExactly("joined bob", "left bob");
	}

	/**
	 * Many threads join, leave, open and end connections of the same two users in one room at once. Every member
	 * must see, per user, joined and left alternating from joined, numbered in order, and the last event of each
	 * user must agree with the final view, which must agree with the members.
	 */
	@ParameterizedTest(name = "seed {0}")
	@ValueSource(longs = { 1, 2, 3, 4, 5, 6, 7, 8 })
	void concurrentJoinsAndLeavesOfOneUserGiveOneJoinedPerFirstAndOneLeftPerLastInOrder(long seed) throws Exception {
		FakeTransport watcher1 = new FakeTransport();
		FakeTransport watcher2 = new FakeTransport();
		open(watcher1, List.of("chat-race"), null);
		int threads = 8;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> done = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			Random random = new Random(seed * 31 + t);
			String user = (t % 4 != 3) ? "u" : "v";
			done.add(pool.submit(() -> {
				start.await();
				List<PulseConnection> mine = new ArrayList<>();
				for (int i = 0; i < 4000; i++) {
					int op = random.nextInt(40);
					if (mine.isEmpty() || op == 0) {
						mine.add(open(new FakeTransport(), random.nextBoolean() ? List.of("chat-race") : List.of(), user));
						continue;
					}
					PulseConnection connection = mine.get(random.nextInt(mine.size()));
					try {
						switch (op) {
							case 1 -> {
								mine.remove(connection);
								if (random.nextBoolean()) {
									connection.close();
								}
								else {
									this.manager.kick(connection.id());
								}
							}
							default -> {
								if (op % 2 == 0) {
									connection.join("chat-race");
								}
								else {
									connection.leave("chat-race");
								}
							}
						}
					}
					catch (ConnectionClosedException ex) {
						mine.remove(connection);
					}
				}
				return null;
			}));
		}
		// a second watcher joins while the race runs: what it sees must hold from its own start
		start.countDown();
		open(watcher2, List.of("chat-race"), null);
		for (Future<?> future : done) {
			future.get(60, TimeUnit.SECONDS);
		}
		pool.shutdown();
		Map<String, Integer> view = this.manager.presence("chat-race");
		for (String user : List.of("u", "v")) {
			long members = this.manager.connections("chat-race")
				.stream()
				.filter((connection) -> user.equals(connection.user()))
				.count();
			assertThat(view.getOrDefault(user, 0)).as("view of %s", user).isEqualTo((int) members);
		}
		assertAlternatingAndAgreeing(watcher1, view, true);
		assertAlternatingAndAgreeing(watcher2, view, false);
		assertSeqIncreasing(watcher1);
		assertSeqIncreasing(watcher2);
	}

	/**
	 * As above, with another node's counts of the same user arriving meanwhile (as the cluster inbox delivers them):
	 * the events follow the count of every node together.
	 */
	@ParameterizedTest(name = "seed {0}")
	@ValueSource(longs = { 11, 12, 13, 14 })
	void anotherNodesCountsInterleavedWithLocalChangesKeepTheInvariant(long seed) throws Exception {
		FakeTransport watcher = new FakeTransport();
		open(watcher, List.of("chat-race"), null);
		int threads = 4;
		ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> done = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			Random random = new Random(seed * 31 + t);
			done.add(pool.submit(() -> {
				start.await();
				PulseConnection connection = open(new FakeTransport(), List.of(), "u");
				for (int i = 0; i < 3000; i++) {
					if (random.nextBoolean()) {
						connection.join("chat-race");
					}
					else {
						connection.leave("chat-race");
					}
				}
				return null;
			}));
		}
		Random remote = new Random(seed);
		int[] last = { 0 };
		done.add(pool.submit(() -> {
			start.await();
			for (int i = 0; i < 3000; i++) {
				last[0] = remote.nextInt(3);
				this.manager.remotePresence("node-2", "chat-race", "u", last[0]);
			}
			return null;
		}));
		start.countDown();
		for (Future<?> future : done) {
			future.get(60, TimeUnit.SECONDS);
		}
		pool.shutdown();
		Map<String, Integer> view = this.manager.presence("chat-race");
		long local = this.manager.connections("chat-race").stream().filter((c) -> "u".equals(c.user())).count();
		assertThat(view.getOrDefault("u", 0)).isEqualTo((int) local + last[0]);
		assertAlternatingAndAgreeing(watcher, view, true);
		assertSeqIncreasing(watcher);
		// the other node dies: what it had goes with it
		this.manager.forgetRemotePresence("node-2");
		assertThat(this.manager.presence("chat-race").getOrDefault("u", 0)).isEqualTo((int) local);
		assertThat(this.manager.remotePresenceNodes()).isEmpty();
		assertAlternatingAndAgreeing(watcher, this.manager.presence("chat-race"), true);
	}

	private static void assertAlternatingAndAgreeing(FakeTransport watcher, Map<String, Integer> view,
			boolean fromTheStart) {
		List<String> events = presenceOf(watcher, "chat-race");
		for (String user : List.of("u", "v")) {
			List<String> changes = events.stream()
				.filter((event) -> event.endsWith(" " + user))
				.map((event) -> event.substring(0, event.indexOf(' ')))
				.toList();
			for (int i = 1; i < changes.size(); i++) {
				assertThat(changes.get(i)).as("%s event %d of %d", user, i, changes.size())
					.isNotEqualTo(changes.get(i - 1));
			}
			if (fromTheStart && !changes.isEmpty()) {
				assertThat(changes.get(0)).as("first event of %s", user).isEqualTo("joined");
			}
			if (!changes.isEmpty()) {
				assertThat(changes.get(changes.size() - 1)).as("last event of %s (view %s)", user, view)
					.isEqualTo(view.containsKey(user) ? "joined" : "left");
			}
			else {
				assertThat(fromTheStart && view.containsKey(user)).as("%s present without a joined", user).isFalse();
			}
		}
	}

	private static void assertSeqIncreasing(FakeTransport watcher) {
		long last = 0;
		for (String text : watcher.texts) {
			JsonNode frame = json.readTree(text);
			if (frame.has("seq")) {
				assertThat(frame.path("seq").asLong()).isEqualTo(last + 1);
				last++;
			}
		}
	}

	private static String welcomeToken(FakeTransport transport) {
		String welcome = transport.texts.get(0);
		int start = welcome.indexOf("\"resumeToken\":\"") + "\"resumeToken\":\"".length();
		return welcome.substring(start, welcome.indexOf('"', start));
	}

}
