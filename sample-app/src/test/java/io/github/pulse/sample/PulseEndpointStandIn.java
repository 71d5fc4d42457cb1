package io.github.pulse.sample;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.PulseConnection;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.SessionManager;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * Stand-in for the library's {@code pulse} Actuator endpoint, with the same JSON contract, for as long as the
 * library has none: the operations page and the browser tests need {@code /actuator/pulse}. It switches itself off
 * as soon as any class in {@code io.github.pulse} outside this sample declares {@code @Endpoint(id = "pulse")}, so
 * the tests then run against the real endpoint. Test sources only.
 */
@TestConfiguration(proxyBeanMethods = false)
@Conditional(PulseEndpointStandIn.LibraryHasNoPulseEndpoint.class)
public class PulseEndpointStandIn {

	@Bean
	CountingObserver standInObserver() {
		return new CountingObserver();
	}

	@Bean
	StandInEndpoint standInPulseEndpoint(SessionManager manager, CountingObserver observer) {
		return new StandInEndpoint(manager, observer);
	}

	/** Counts messages for the endpoint's {@code messages} block. */
	static class CountingObserver implements PulseObserver {

		final AtomicLong received = new AtomicLong();

		final AtomicLong sent = new AtomicLong();

		@Override
		public void messageReceived(int bytes) {
			this.received.incrementAndGet();
		}

		@Override
		public void messageSent(int bytes, long deliveryNanos) {
			this.sent.incrementAndGet();
		}

	}

	/** The stand-in endpoint. */
	@Endpoint(id = "pulse")
	static class StandInEndpoint {

		private final SessionManager manager;

		private final CountingObserver observer;

		StandInEndpoint(SessionManager manager, CountingObserver observer) {
			this.manager = manager;
			this.observer = observer;
		}

		@ReadOperation
		Map<String, Object> status() {
			List<Map<String, Object>> largest = this.manager.roomSizes()
				.entrySet()
				.stream()
				.sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
				.limit(10)
				.map((entry) -> Map.<String, Object>of("room", entry.getKey(), "connections", entry.getValue()))
				.toList();
			PulseSettings settings = this.manager.settings();
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("connections", this.manager.connectionCount());
			body.put("suspended", this.manager.suspendedCount());
			body.put("rooms", this.manager.roomCount());
			body.put("largestRooms", largest);
			body.put("messages", Map.of("received", this.observer.received.get(), "sent", this.observer.sent.get()));
			body.put("draining", this.manager.isDraining());
			body.put("uptimeSeconds", this.manager.uptime().toSeconds());
			body.put("settings", Map.of("heartbeatInterval", settings.heartbeatInterval().toString(), "resumeWindow",
					settings.resumeWindow().toString()));
			return body;
		}

		@ReadOperation
		Map<String, Object> room(@Selector String room) {
			List<Map<String, Object>> connections = this.manager.connections(room)
				.stream()
				.sorted(Comparator.comparing(PulseConnection::connectedSince))
				.map((connection) -> Map.<String, Object>of("id", connection.id(), "state",
						connection.state().name(), "connectedSince", connection.connectedSince().toString(),
						"queuedFrames", connection.queuedFrames()))
				.toList();
			return Map.of("room", room, "connections", connections);
		}

		@DeleteOperation
		Map<String, Object> kick(@Selector String connectionId) {
			return Map.of("kicked", this.manager.kick(connectionId));
		}

	}

	/** Matches while no {@code @Endpoint(id = "pulse")} exists in the library. */
	static class LibraryHasNoPulseEndpoint implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(
					false);
			scanner.setResourceLoader(context.getResourceLoader());
			scanner.addIncludeFilter(new AnnotationTypeFilter(Endpoint.class));
			for (BeanDefinition candidate : scanner.findCandidateComponents("io.github.pulse")) {
				String type = candidate.getBeanClassName();
				if (type != null && !type.startsWith("io.github.pulse.sample.")
						&& candidate instanceof AnnotatedBeanDefinition annotated && "pulse".equals(annotated.getMetadata()
							.getAnnotationAttributes(Endpoint.class.getName())
							.get("id"))) {
					return false;
				}
			}
			return true;
		}

	}

}
