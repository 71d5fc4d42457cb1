package io.github.pulse.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import io.github.pulse.PulseConnection;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis that answers slowly ({@code DEBUG SLEEP 2}) holds up no caller: during the sleep a new connection
 * completes its handshake, a join and a local broadcast are delivered, and send and join return at once; after it,
 * Redis holds what happened meanwhile (directory, membership).
 */
@Tag("chaos")
class ClusterSlowRedisIntegrationTests extends ClusterNodesTestSupport {

	/** Far below the 2 s sleep: a call that waited for Redis would take until Redis wakes up. */
	private static final long CALL_BOUND_MILLIS = 300;

	/** The hold on the welcome ends after the local delivery timeout (500 ms) at the latest. */
	private static final long HANDSHAKE_BOUND_MILLIS = 1200;

	@Test
	void aSleepingRedisStallsNoHandshakeJoinSendOrLocalDelivery() throws Exception {
		for (int i = 0; i < 2; i++) {
			// a command timeout beyond the sleep: a Redis call on a caller's thread would wait until Redis wakes up
			// (with a shorter one, the first timeout marks Redis away and hides the stall)
			startNode(redis.port(), "pulse.cluster.node-timeout=5s", "test.redis.timeout=10s");
		}
		awaitNodesSeeEachOther();
		TestClient remote = connect(1, "?id=remote&room=lobby", Map.of());
		remote.nextOfType("welcome");
		TestClient member = connect(0, "?id=member&room=lobby", Map.of());
		member.nextOfType("welcome");
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		Awaitility.await().until(() -> "node-2".equals(redisTemplate.opsForValue().get(this.keyPrefix + "conn:remote")));

		CountDownLatch awake = new CountDownLatch(1);
		CompletableFuture<String> sleep = CompletableFuture.supplyAsync(() -> redis.command("DEBUG", "SLEEP", "2"))
			.whenComplete((reply, failure) -> awake.countDown());
		Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).until(this::redisAsleep);

		// a handshake on a Tomcat thread: the welcome comes without waiting for Redis
		long connecting = System.nanoTime();
		TestClient newcomer = connect(0, "?id=newcomer&room=lobby", Map.of());
		JsonNode welcome = newcomer.nextOfType("welcome");
		assertThat(elapsedMillis(connecting)).as("handshake to welcome (ms)").isLessThan(HANDSHAKE_BOUND_MILLIS);
		assertThat(welcome.path("resumeToken").asText()).isNotEmpty();
		PulseConnection joining = connection(0, "newcomer");

		// join, a local broadcast to the room joined, direct sends: the calls return at once
		long started = System.nanoTime();
		assertThat(joining.join("second")).isTrue();
		long joinMillis = elapsedMillis(started);
		started = System.nanoTime();
		manager(0).broadcast("second", "during", 1);
		long broadcastMillis = elapsedMillis(started);
		started = System.nanoTime();
		assertThat(manager(0).send("member", "direct", 2)).isTrue();
		long localSendMillis = elapsedMillis(started);
		started = System.nanoTime();
		manager(0).send("remote", "remote", 3);
		long remoteSendMillis = elapsedMillis(started);
		assertThat(joinMillis).as("join returned (ms)").isLessThan(CALL_BOUND_MILLIS);
		assertThat(broadcastMillis).as("broadcast returned (ms)").isLessThan(CALL_BOUND_MILLIS);
		assertThat(localSendMillis).as("send to a local connection returned (ms)").isLessThan(CALL_BOUND_MILLIS);
		assertThat(remoteSendMillis).as("send to a remote connection returned (ms)").isLessThan(CALL_BOUND_MILLIS);

		// local delivery goes on: the broadcast to the room joined and the direct send arrive during the sleep
		assertThat(newcomer.nextOfType("message").path("event").asText()).isEqualTo("during");
		assertThat(member.nextOfType("message").path("event").asText()).isEqualTo("direct");
		assertThat(awake.getCount()).as("Redis still asleep when the handshake, join and deliveries were done").isOne();

		// after the sleep, Redis holds what happened meanwhile
		assertThat(awake.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(sleep.join()).isEqualTo("+OK");
		Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(redisTemplate.opsForValue().get(this.keyPrefix + "conn:newcomer")).isEqualTo("node-1");
			String snapshotKey = this.keyPrefix + "session:" + tokenKey(welcome.path("resumeToken").asText());
			Object snapshot = redisTemplate.opsForHash().get(snapshotKey, "j");
			assertThat(snapshot).as("the newcomer's snapshot").isNotNull();
			assertThat(snapshot.toString()).contains("\"second\":");
			assertThat(redisTemplate.opsForValue().get(this.keyPrefix + "token:"
					+ tokenKey(welcome.path("resumeToken").asText()))).isEqualTo("node-1");
		});
		// and the cluster works as before: a send to the other node's connection arrives
		Awaitility.await().until(() -> manager(0).clusterBridge().status().available());
		assertThat(manager(0).send("remote", "after", 4)).isTrue();
		JsonNode after = remote.nextOfType("message");
		if ("remote".equals(after.path("event").asText())) {
			// the send made during the sleep got through too, in order
			after = remote.nextOfType("message");
		}
		assertThat(after.path("event").asText()).isEqualTo("after");
	}

	private static long elapsedMillis(long startedNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
	}

	/** Whether Redis leaves a PING unanswered for 150 ms. */
	private boolean redisAsleep() throws IOException {
		try (Socket socket = new Socket("127.0.0.1", redis.port())) {
			socket.setSoTimeout(150);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			in.read();
			return false;
		}
		catch (SocketTimeoutException ex) {
			return true;
		}
	}

}
