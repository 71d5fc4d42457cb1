package io.github.pulse.web;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames reach a connection in the order they were enqueued, whether from send or broadcast.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class OrderingIntegrationTests extends PulseIntegrationTest {

	@Test
	void interleavedSendsAndBroadcastsArriveInEnqueueOrderWithConsecutiveSeq() {
		try (Connected c = connect("?room=ordering")) {
			List<String> expected = new ArrayList<>();
			for (int i = 0; i < 2000; i++) {
				if (i % 3 == 0) {
					this.manager.broadcast("ordering", "b", i);
					expected.add("b" + i);
				}
				else {
					this.manager.send(c.id(), "s", i);
					expected.add("s" + i);
				}
				if (i % 200 == 0) {
					// let the socket catch up so the default send buffer (256 frames) never overflows
					awaitReceived(c, expected.size());
				}
			}
			List<String> received = new ArrayList<>();
			long seq = 0;
			while (received.size() < expected.size()) {
				JsonNode frame = c.client().nextOfType("message");
				assertThat(frame.path("seq").asLong()).isEqualTo(++seq);
				received.add(frame.path("event").asText() + frame.path("payload").asInt());
			}
			assertThat(received).containsExactlyElementsOf(expected);
		}
	}

	private void awaitReceived(Connected c, int count) {
		org.awaitility.Awaitility.await()
			.untilAsserted(() -> assertThat(c.client().history().size()).isGreaterThanOrEqualTo(count + 1));
	}

	@Test
	void concurrentBroadcastersKeepEachPublishersOrder() throws Exception {
		try (Connected c = connect("?room=ordering2")) {
			// 240 frames fit the default send buffer (256): no drop-oldest gap however slowly the socket drains
			int perThread = 60;
			Thread[] threads = new Thread[4];
			for (int t = 0; t < threads.length; t++) {
				int publisher = t;
				threads[t] = new Thread(() -> {
					for (int i = 0; i < perThread; i++) {
						this.manager.broadcast("ordering2", "p" + publisher, i);
					}
				});
				threads[t].start();
			}
			for (Thread thread : threads) {
				thread.join();
			}
			int[] next = new int[threads.length];
			for (int i = 0; i < perThread * threads.length; i++) {
				JsonNode frame = c.client().nextOfType("message");
				assertThat(frame.path("seq").asLong()).isEqualTo(i + 1);
				int publisher = frame.path("event").asText().charAt(1) - '0';
				assertThat(frame.path("payload").asInt()).isEqualTo(next[publisher]++);
			}
		}
	}

}
