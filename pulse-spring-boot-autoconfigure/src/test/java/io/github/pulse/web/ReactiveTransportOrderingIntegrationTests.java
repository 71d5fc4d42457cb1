package io.github.pulse.web;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.OnNetty;
import io.github.pulse.test.PulseIntegrationTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.RepeatedTest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Netty transport keeps the engine's order when the writer moves between the publisher's thread and the event
 * loop: a frame handed over off the loop must not be overtaken by one the loop writes directly. Before the fix
 * (writes off the loop completed while still queued), about one run in ten swapped two adjacent frames.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@OnNetty
class ReactiveTransportOrderingIntegrationTests extends PulseIntegrationTest {

	@RepeatedTest(10)
	void sendsAndBroadcastsFromAnotherThreadArriveWithConsecutiveSeq() {
		try (Connected c = connect("?room=order")) {
			for (int i = 0; i < 2000; i++) {
				if (i % 3 == 0) {
					this.manager.broadcast("order", "b", i);
				}
				else {
					this.manager.send(c.id(), "s", i);
				}
				if (i % 200 == 0) {
					int sent = i + 1;
					// below the send buffer (256 frames), so nothing is dropped however slowly the socket drains
					Awaitility.await().until(() -> c.client().history().size() > sent);
				}
			}
			for (long seq = 1; seq <= 2000; seq++) {
				JsonNode frame = c.client().nextOfType("message");
				assertThat(frame.path("seq").asLong()).as("seq of frame %d", seq).isEqualTo(seq);
			}
		}
	}

}
