package io.github.pulse.resume;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import io.github.pulse.test.TestClient.Close;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Client sequence numbers on the wire: each numbered message is handled once and in order, duplicates are dropped,
 * the server acknowledges what it processed, {@code resumed} says how far it got, and clients that send no numbers
 * work as before.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class ClientSequenceIntegrationTests extends PulseIntegrationTest {

	@Autowired
	private MeterRegistry registry;

	private double duplicates() {
		return this.registry.get("pulse.messages.duplicates").counter().count();
	}

	private static String count(long cseq, int value) {
		return "{\"type\":\"message\",\"cseq\":" + cseq + ",\"event\":\"count\",\"payload\":" + value + "}";
	}

	private List<Integer> counted(String id) {
		return this.recorder.counted.getOrDefault(id, List.of());
	}

	@Test
	void theWelcomeSaysTheServerTakesClientSequenceNumbers() {
		try (Connected connected = connect("")) {
			assertThat(connected.welcome().path("cseq").isIntegralNumber()).isTrue();
			assertThat(connected.welcome().path("cseq").asLong()).isZero();
		}
	}

	@Test
	void duplicatesAreDroppedCountedAndWhatWasProcessedIsAcknowledged() {
		double duplicatesBefore = duplicates();
		try (Connected connected = connect("")) {
			connected.client().send(count(1, 10)).send(count(2, 20)).send(count(2, 20)).send(count(1, 10))
				.send(count(3, 30));
			JsonNode ack = connected.client().nextMatching((f) -> f.path("type").asText().equals("ack")
					&& f.path("cseq").asLong() == 3);
			assertThat(ack.toString()).isEqualTo("{\"type\":\"ack\",\"cseq\":3}");
			assertThat(counted(connected.id())).containsExactly(10, 20, 30);
			assertThat(duplicates() - duplicatesBefore).isEqualTo(2);
		}
	}

	@Test
	void everySixteenthMessageIsAcknowledgedAtOnce() {
		try (Connected connected = connect("")) {
			IntStream.rangeClosed(1, 16).forEach((n) -> connected.client().send(count(n, n)));
			assertThat(connected.client().nextOfType("ack").path("cseq").asLong()).isEqualTo(16);
		}
	}

	@ParameterizedTest(name = "cseq {0} closes with 1007: {1}")
	@CsvSource(delimiter = '|', value = { "0|cseq must be positive", "-1|cseq must not be negative",
			"\"1\"|cseq must be an integer", "1.5|cseq must be an integer",
			"99999999999999999999|cseq must be an integer" })
	void anInvalidCseqClosesWith1007NamingTheField(String cseq, String reason) {
		try (Connected connected = connect("")) {
			connected.client().send("{\"type\":\"message\",\"cseq\":" + cseq + ",\"event\":\"count\",\"payload\":1}");
			Close close = connected.client().awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo(reason);
			assertThat(counted(connected.id())).isEmpty();
		}
	}

	@Test
	void aNumberThatSkipsAheadClosesWith1007() {
		try (Connected connected = connect("")) {
			connected.client().send(count(1, 1)).send(count(3, 3));
			Close close = connected.client().awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo("cseq must follow the last one (1)");
			assertThat(counted(connected.id())).containsExactly(1);
		}
	}

	@Test
	void resumedSaysTheLastNumberProcessedAndReSentMessagesAreHandledOnce() {
		TestClient first = TestClient.connect(uri(""));
		JsonNode welcome = first.nextOfType("welcome");
		String id = welcome.path("connectionId").asText();
		first.send(count(1, 1)).send(count(2, 2));
		await().atMost(Duration.ofSeconds(10)).until(() -> counted(id).size() == 2);
		first.abort();
		try (TestClient resumed = TestClient.connect(
				uri("?resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0"))) {
			assertThat(resumed.nextOfType("resumed").path("cseq").asLong()).isEqualTo(2);
			// a client that did not believe it: both are dropped, the next one is handled
			resumed.send(count(1, 1)).send(count(2, 2)).send(count(3, 3));
			// a duplicate is acknowledged again (2), which may go out before 3 is handled: acks only ever rise, to 3
			long acked = 0;
			while (acked < 3) {
				long cseq = resumed.nextMatching((f) -> f.path("type").asText().equals("ack")).path("cseq").asLong();
				assertThat(cseq).as("an ack after %d", acked).isBetween(Math.max(acked, 2), 3L);
				acked = cseq;
			}
			assertThat(counted(id)).containsExactly(1, 2, 3);
		}
	}

	@Test
	void messagesWithoutNumbersAreHandledAsBeforeAndNeverAcknowledged() {
		try (Connected connected = connect("")) {
			connected.client().sendMessage("count", "1").sendMessage("count", "1").sendMessage("echo", "\"done\"");
			connected.client().nextOfType("message");
			assertThat(counted(connected.id())).containsExactly(1, 1);
			assertThat(connected.client().history()).noneMatch((f) -> f.path("type").asText().equals("ack"));
		}
	}

}
