package io.github.pulse.annotation;

import java.net.URI;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseServer;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.module.SimpleModule;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's Jackson 3 {@code JsonMapper}, configured the Boot way (a {@link JsonMapperBuilderCustomizer}
 * with a naming strategy and a serializer), is the one that converts {@code @PulseEvent} arguments and writes
 * payloads, through a real server and client.
 */
@SpringBootTest(classes = JsonMapperIntegrationTests.OrderApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class JsonMapperIntegrationTests {

	@LocalServerPort
	int port;

	TestClient connect(String room) {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?room=" + room));
		client.nextOfType("welcome");
		return client;
	}

	@Test
	void anArgumentIsConvertedAndAReturnValueWrittenWithTheApplicationsNamingAndSerializers() {
		try (TestClient client = connect("shop")) {
			client.sendMessage("order", "{\"order_id\":\"o-1\",\"item_count\":2,\"added_later\":true}");
			JsonNode reply = client.nextOfType("message");
			assertThat(reply.path("event").asString()).isEqualTo("order");
			assertThat(reply.path("payload").toString())
				.isEqualTo("{\"order_id\":\"o-1\",\"total_price\":\"2.50 EUR\"}");
		}
	}

	@Test
	void aBroadcastPayloadIsWrittenWithTheApplicationsMapper() {
		try (TestClient client = connect("news"); TestClient sender = connect("news")) {
			sender.sendMessage("announce", "{\"order_id\":\"o-2\",\"item_count\":3}");
			JsonNode broadcast = client.nextOfType("message");
			assertThat(broadcast.path("event").asString()).isEqualTo("price");
			assertThat(broadcast.path("payload").toString())
				.isEqualTo("{\"order_id\":\"o-2\",\"total_price\":\"3.75 EUR\"}");
		}
	}

	record Order(String orderId, int itemCount) {
	}

	record Receipt(String orderId, Money totalPrice) {
	}

	record Money(long cents) {
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class OrderApplication {

		@Bean
		JsonMapperBuilderCustomizer snakeCaseAndMoney() {
			return (builder) -> builder.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
				.addModule(new SimpleModule().addSerializer(Money.class, new ValueSerializer<Money>() {

					@Override
					public void serialize(Money value, JsonGenerator generator, SerializationContext context) {
						generator.writeString(String.format("%d.%02d EUR", value.cents() / 100, value.cents() % 100));
					}

				}));
		}

		@Bean
		OrderHandlers orderHandlers(PulseServer server) {
			return new OrderHandlers(server);
		}

	}

	static class OrderHandlers {

		private final PulseServer server;

		OrderHandlers(PulseServer server) {
			this.server = server;
		}

		@PulseEvent("order")
		Receipt order(Order order) {
			return new Receipt(order.orderId(), new Money(125L * order.itemCount()));
		}

		@PulseEvent("announce")
		void announce(PulseConnection connection, Order order) {
			for (String room : connection.rooms()) {
				this.server.broadcast(room, "price", new Receipt(order.orderId(), new Money(125L * order.itemCount())));
			}
		}

	}

}
