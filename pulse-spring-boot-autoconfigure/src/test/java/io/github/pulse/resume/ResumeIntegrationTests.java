package io.github.pulse.resume;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.IdentityTestConfiguration;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.ResumingClient;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gap-free resume through a fault-injecting proxy: cuts, blackholes, overflow, races, expired and forged tokens.
 */
class ResumeIntegrationTests {

	@Nested
	@SpringBootTest(classes = { ChatTestApplication.class, IdentityTestConfiguration.class },
			webEnvironment = WebEnvironment.RANDOM_PORT)
	class Defaults extends PulseIntegrationTest {

		URI via(FaultInjectingProxy proxy, String query) {
			return URI.create("ws://localhost:" + proxy.port() + "/pulse" + query);
		}

		@Test
		void thousandCutAndResumeCyclesDuringContinuousBroadcastLoseAndDuplicateNothing() throws Exception {
			try (FaultInjectingProxy proxy = new FaultInjectingProxy(this.port)) {
				List<ResumingClient> clients = new ArrayList<>();
				for (int i = 0; i < 8; i++) {
					clients.add(new ResumingClient(via(proxy, "?room=storm"), Map.of(), 32));
				}
				AtomicBoolean broadcasting = new AtomicBoolean(true);
				AtomicInteger sent = new AtomicInteger();
				Thread broadcaster = new Thread(() -> {
					while (broadcasting.get()) {
						// at most 128 frames beyond what the slowest client has read: a starved event loop or reader
						// (a loaded machine) can then never fill the send buffer (256, whose drop-oldest would be a
						// gap) nor the resume buffer (1024, a missed), so what is tested is the resume alone
						if (sent.get() - clients.stream().mapToLong(ResumingClient::lastSeq).min().orElse(0) >= 128) {
							java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
							continue;
						}
						this.manager.broadcast("storm", "tick", sent.incrementAndGet());
						// about 1,000 frames a second at most
						java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
					}
				});
				broadcaster.start();
				ThreadLocalRandom random = ThreadLocalRandom.current();
				for (int cycle = 0; cycle < 1000; cycle++) {
					ResumingClient victim = clients.get(random.nextInt(clients.size()));
					clients.forEach(ResumingClient::pump);
					if (random.nextBoolean()) {
						proxy.cutAll();
						for (ResumingClient client : clients) {
							client.resume(client.base());
						}
					}
					else {
						victim.resume(victim.base());
					}
				}
				broadcasting.set(false);
				broadcaster.join();
				int total = sent.get();
				try {
					for (ResumingClient client : clients) {
						awaitAll(client, total);
					}
				}
				finally {
					clients.forEach(ResumingClient::close);
				}
				assertThat(clients.stream().mapToInt(ResumingClient::resumes).sum()).isGreaterThanOrEqualTo(1000);
			}
			awaitNoSessions();
		}

		private void awaitAll(ResumingClient client, int total) {
					Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
						client.pump();
						assertThat(client.messages()).hasSize(total);
					});
					List<JsonNode> messages = client.messages();
					for (int i = 0; i < total; i++) {
						assertThat(messages.get(i).path("payload").asInt()).isEqualTo(i + 1);
					}
					assertThat(client.missed()).isZero();
		}

		@Test
		void framesWrittenIntoABlackholedSocketAreReplayedAfterTheCut() throws Exception {
			try (FaultInjectingProxy proxy = new FaultInjectingProxy(this.port)) {
				ResumingClient client = new ResumingClient(via(proxy, "?room=hole"), Map.of(), 1000);
				for (int i = 1; i <= 5; i++) {
					this.manager.broadcast("hole", "n", i);
				}
				Awaitility.await().untilAsserted(() -> {
					client.pump();
					assertThat(client.lastSeq()).isEqualTo(5);
				});
				proxy.blackhole(true);
				for (int i = 6; i <= 15; i++) {
					this.manager.broadcast("hole", "n", i);
				}
				Awaitility.await().untilAsserted(
						() -> assertThat(this.manager.connection(client.connectionId()).queuedFrames()).isZero());
				proxy.cutAll();
				proxy.blackhole(false);
				JsonNode resumed = client.resume(client.base());
				assertThat(resumed.path("replayed").asInt()).isEqualTo(10);
				assertThat(resumed.path("missed").asInt()).isZero();
				Awaitility.await().untilAsserted(() -> {
					client.pump();
					assertThat(client.lastSeq()).isEqualTo(15);
				});
				assertThat(client.messages()).extracting((m) -> m.path("payload").asInt())
					.containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
				client.close();
			}
		}

		@Test
		void resumeBeforeTheServerNoticedTheDropReplacesTheStaleTransport() throws Exception {
			try (FaultInjectingProxy proxy = new FaultInjectingProxy(this.port)) {
				ResumingClient client = new ResumingClient(via(proxy, "?room=halfopen"), Map.of(), 1000);
				this.manager.broadcast("halfopen", "n", 1);
				Awaitility.await().untilAsserted(() -> {
					client.pump();
					assertThat(client.lastSeq()).isEqualTo(1);
				});
				proxy.blackhole(true);
				this.manager.broadcast("halfopen", "n", 2);
				assertThat(this.manager.connection(client.connectionId()).state()).isEqualTo(ConnectionState.OPEN);
				// reconnect straight to the server while the old socket still looks alive to it
				JsonNode resumed = client.resume(uri("?room=halfopen"));
				assertThat(resumed.path("replayed").asInt()).isEqualTo(1);
				this.manager.broadcast("halfopen", "n", 3);
				Awaitility.await().untilAsserted(() -> {
					client.pump();
					assertThat(client.lastSeq()).isEqualTo(3);
				});
				assertThat(this.recorder.events).contains("drop:" + client.connectionId() + ":TRANSPORT_ERROR",
						"restore:" + client.connectionId());
				assertThat(this.recorder.disconnectsOf(client.connectionId())).isEmpty();
				assertThat(this.manager.connectionCount()).isOne();
				client.close();
				proxy.blackhole(false);
			}
			awaitNoSessions();
		}

		@Test
		void twoConcurrentResumesWithTheSameTokenNeverForkTheSession() throws Exception {
			for (int round = 0; round < 20; round++) {
				JsonNode welcome = connectAndDrop("?room=twins", Map.of());
				String id = welcome.path("connectionId").asText();
				URI resume = uri("?room=twins&resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0");
				CyclicBarrier barrier = new CyclicBarrier(2);
				List<CompletableFuture<TestClient>> attempts = List.of(
						CompletableFuture.supplyAsync(() -> awaitThenConnect(barrier, resume)),
						CompletableFuture.supplyAsync(() -> awaitThenConnect(barrier, resume)));
				List<TestClient> resumed = new ArrayList<>();
				List<TestClient> clients = new ArrayList<>();
				int replacedBeforeAnyFrame = 0;
				for (CompletableFuture<TestClient> attempt : attempts) {
					TestClient client = attempt.get();
					clients.add(client);
					Awaitility.await().until(() -> !client.pending().isEmpty() || client.isClosed());
					if (client.pending().isEmpty()) {
						// resumed, then replaced by the other before its resumed frame was written: only the 4001
						assertThat(client.awaitClose()).isEqualTo(new TestClient.Close(4001, "replaced"));
						replacedBeforeAnyFrame++;
						continue;
					}
					JsonNode first = client.next();
					if (first.path("type").asText().equals("resumed")) {
						assertThat(first.path("connectionId").asText()).isEqualTo(id);
						resumed.add(client);
					}
					else {
						// the claims collided: the loser is told so and gets a session of its own
						assertThat(first.path("resumeFailed").asText()).isEqualTo("unknown");
						assertThat(first.path("connectionId").asText()).isNotEqualTo(id);
					}
				}
				// the token stays valid until the client confirms the new one, so both may resume, one after the
				// other: the session is still one, the earlier transport is replaced
				assertThat(resumed.size() + replacedBeforeAnyFrame).isBetween(1, 2);
				assertThat(resumed).isNotEmpty();
				if (resumed.size() == 2) {
					Awaitility.await().until(() -> resumed.stream().filter(TestClient::isClosed).count() == 1);
					TestClient replaced = resumed.stream().filter(TestClient::isClosed).findFirst().orElseThrow();
					assertThat(replaced.awaitClose()).isEqualTo(new TestClient.Close(4001, "replaced"));
				}
				assertThat(this.manager.connection(id).state()).isEqualTo(ConnectionState.OPEN);
				clients.forEach(TestClient::close);
			}
			awaitNoSessions();
		}

		private TestClient awaitThenConnect(CyclicBarrier barrier, URI uri) {
			try {
				barrier.await();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			return TestClient.connect(uri);
		}

		@Test
		void resumeRacingAKickEndsTheSessionExactlyOnce() throws Exception {
			for (int round = 0; round < 20; round++) {
				JsonNode welcome = connectAndDrop("?room=kick", Map.of());
				String id = welcome.path("connectionId").asText();
				URI resume = uri("?room=kick&resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0");
				CompletableFuture<TestClient> resumer = CompletableFuture.supplyAsync(() -> TestClient.connect(resume));
				this.manager.kick(id);
				TestClient client = resumer.get();
				JsonNode first = client.next();
				if ("resumed".equals(first.path("type").asText())) {
					assertThat(client.awaitClose()).isEqualTo(new TestClient.Close(4000, "kicked"));
				}
				else {
					assertThat(first.path("resumeFailed").asText()).isEqualTo("unknown");
					assertThat(first.path("connectionId").asText()).isNotEqualTo(id);
					client.close();
				}
				Awaitility.await().untilAsserted(() -> assertThat(this.recorder.disconnectsOf(id))
					.extracting(ChatTestApplication.Disconnect::reason)
					.containsExactly(DisconnectReason.KICKED));
			}
			awaitNoSessions();
		}

		@Test
		void aKickBetweenAResumeAndItsFirstWriteStillSendsTheResumedFrameBeforeTheClose() {
			// the window the racing case above hits only sometimes (issue 15), hit every time: the kick comes from
			// onTransportRestore, delivered after the resume's transition and before the writer starts
			JsonNode welcome = connectAndDrop("?room=restore-kick", Map.of());
			String id = welcome.path("connectionId").asText();
			this.recorder.kickOnRestore.add(id);
			try (TestClient client = TestClient
				.connect(uri("?resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0"))) {
				JsonNode first = client.next();
				assertThat(first.path("type").asText()).isEqualTo("resumed");
				assertThat(first.path("connectionId").asText()).isEqualTo(id);
				assertThat(client.awaitClose()).isEqualTo(new TestClient.Close(4000, "kicked"));
			}
			finally {
				this.recorder.kickOnRestore.remove(id);
			}
			// the close may reach the client before the listener has seen the end
			Awaitility.await().untilAsserted(() -> assertThat(this.recorder.disconnectsOf(id))
				.extracting(ChatTestApplication.Disconnect::reason)
				.containsExactly(DisconnectReason.KICKED));
			awaitNoSessions();
		}

		@Test
		void forgedAndMalformedTokensGetAFreshSessionTellingUnknown() {
			assertThat(TestClient.handshakeStatus(uri("?resume=%ff%fe&lastSeq=0"), Map.of())).isEqualTo(400);
			for (String token : List.of("A".repeat(43), "not-a-token", "%00%41")) {
				try (TestClient client = TestClient.connect(uri("?resume=" + token + "&lastSeq=0"))) {
					JsonNode welcome = client.next();
					assertThat(welcome.path("type").asText()).isEqualTo("welcome");
					assertThat(welcome.path("resumeFailed").asText()).isEqualTo("unknown");
				}
			}
		}

		@Test
		void lastSeqBeyondWhatWasSentIsRefusedAndLeavesTheSessionResumable() {
			JsonNode welcome = connectAndDrop("?room=ahead", Map.of());
			String token = welcome.path("resumeToken").asText();
			try (TestClient ahead = TestClient.connect(uri("?resume=" + token + "&lastSeq=7"))) {
				assertThat(ahead.next().path("resumeFailed").asText()).isEqualTo("unknown");
			}
			try (TestClient honest = TestClient.connect(uri("?resume=" + token + "&lastSeq=0"))) {
				assertThat(honest.next().path("type").asText()).isEqualTo("resumed");
			}
			awaitNoSessions();
		}

		@Test
		void resumeByAnotherPrincipalOrUnderAnotherIdIsRefusedAsUnknown() {
			Map<String, String> alice = Map.of("X-User", "alice");
			JsonNode welcome = connectAndDrop("?id=alice-phone", alice);
			String resume = "&resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0";
			try (TestClient mallory = TestClient.connect(uri("?id=alice-phone" + resume), Map.of("X-User", "mallory"))) {
				assertThat(mallory.next().path("resumeFailed").asText()).isEqualTo("unknown");
			}
			try (TestClient otherId = TestClient.connect(uri("?id=alice-laptop" + resume), alice)) {
				assertThat(otherId.next().path("resumeFailed").asText()).isEqualTo("unknown");
			}
			// the replaced... no: mallory's fresh session took the id alice-phone and replaced the suspended one
			assertThat(this.recorder.disconnectsOf("alice-phone")).extracting(ChatTestApplication.Disconnect::reason)
				.contains(DisconnectReason.REPLACED);
			awaitNoSessions();
		}

		@Test
		void resumeByTheSamePrincipalSucceeds() {
			Map<String, String> bob = Map.of("X-User", "bob");
			JsonNode welcome = connectAndDrop("?id=bob-phone", bob);
			String resume = "&resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0";
			try (TestClient again = TestClient.connect(uri("?id=bob-phone" + resume), bob)) {
				JsonNode resumed = again.next();
				assertThat(resumed.path("type").asText()).isEqualTo("resumed");
				assertThat(resumed.path("connectionId").asText()).isEqualTo("bob-phone");
				assertThat(resumed.path("resumeToken").asText()).hasSize(43)
					.isNotEqualTo(welcome.path("resumeToken").asText());
			}
			awaitNoSessions();
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=16", "pulse.resume.buffer-frames=32" })
	class SmallBuffer extends PulseIntegrationTest {

		@Test
		void overflowWhileSuspendedIsReportedExactlyAsMissedAndTheRestArrive() {
			ResumingClient client = new ResumingClient(uri("?room=overflow"), Map.of(), 1000);
			client.transport().abort();
			Awaitility.await().until(() -> this.manager.suspendedCount() == 1);
			for (int i = 1; i <= 50; i++) {
				this.manager.broadcast("overflow", "n", i);
			}
			JsonNode resumed = client.resume(uri("?room=overflow"));
			assertThat(resumed.path("replayed").asInt()).isEqualTo(32);
			assertThat(resumed.path("missed").asInt()).isEqualTo(18);
			Awaitility.await().untilAsserted(() -> {
				client.pump();
				assertThat(client.lastSeq()).isEqualTo(50);
			});
			assertThat(client.messages()).extracting((m) -> m.path("payload").asInt())
				.containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(19, 50).boxed().toList());
			client.close();
			awaitNoSessions();
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.resume.window=500ms", "pulse.heartbeat.interval=2s", "pulse.heartbeat.timeout=1s" })
	class ShortWindow extends PulseIntegrationTest {

		@Test
		void expiredTokenGetsAFreshSessionAndTheOldSessionIsReleased() {
			long before = System.nanoTime();
			JsonNode welcome = connectAndDrop("?room=expiry", Map.of());
			String id = welcome.path("connectionId").asText();
			Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
					this.recorder.disconnectsOf(id)).extracting(ChatTestApplication.Disconnect::reason)
				.containsExactly(DisconnectReason.RESUME_EXPIRED));
			assertThat(this.manager.connection(id)).isNull();
			assertThat(this.manager.suspendedCount()).isZero();
			assertThat(this.manager.rooms()).doesNotContain("expiry");
			try (TestClient late = TestClient.connect(uri("?room=expiry&resume=" + welcome.path("resumeToken").asText()
					+ "&lastSeq=0"))) {
				JsonNode fresh = late.next();
				Duration sinceDrop = Duration.ofNanos(System.nanoTime() - before);
				assertThat(fresh.path("type").asText()).isEqualTo("welcome");
				assertThat(fresh.path("connectionId").asText()).isNotEqualTo(id);
				if ("unknown".equals(fresh.path("resumeFailed").asText())) {
					// an expired token answers "expired" for one more window, then is forgotten (as in the racing case
					// below): only a handshake a busy machine held up past both windows since the drop may hear this
					assertThat(sinceDrop).as("token forgotten before two windows had passed")
						.isGreaterThanOrEqualTo(Duration.ofMillis(2 * 500));
				}
				else {
					assertThat(fresh.path("resumeFailed").asText()).isEqualTo("expired");
				}
			}
		}

		@Test
		void resumeRacingTheWindowEitherResumesOrIsToldExpiredNeverBoth() {
			int resumed = 0;
			int expired = 0;
			for (int round = 0; round < 30; round++) {
				long before = System.nanoTime();
				JsonNode welcome = connectAndDrop("?room=edge", Map.of());
				String id = welcome.path("connectionId").asText();
				long delay = 350 + ThreadLocalRandom.current().nextLong(300);
				Awaitility.await().pollDelay(Duration.ofMillis(delay)).until(() -> true);
				try (TestClient late = TestClient.connect(uri("?room=edge&resume="
						+ welcome.path("resumeToken").asText() + "&lastSeq=0"))) {
					JsonNode first = late.next();
					Duration sinceDrop = Duration.ofNanos(System.nanoTime() - before);
					if ("resumed".equals(first.path("type").asText())) {
						resumed++;
						assertThat(this.recorder.disconnectsOf(id)).isEmpty();
					}
					else {
						expired++;
						String failure = first.path("resumeFailed").asText();
						if ("unknown".equals(failure)) {
							// an expired token answers "expired" for one more window, then is forgotten: an attempt
							// that a busy machine held up past both windows since the drop is rightly "unknown"
							assertThat(sinceDrop).as("token forgotten before two windows had passed")
								.isGreaterThanOrEqualTo(Duration.ofMillis(2 * 500));
						}
						else {
							assertThat(failure).isEqualTo("expired");
						}
						// the expiry revokes the token before the timer thread tells the listeners: wait for them
						Awaitility.await().untilAsserted(() -> assertThat(this.recorder.disconnectsOf(id))
							.extracting(ChatTestApplication.Disconnect::reason)
							.containsExactly(DisconnectReason.RESUME_EXPIRED));
					}
				}
			}
			assertThat(resumed + expired).isEqualTo(30);
			awaitNoSessions();
		}

	}

}
