package io.github.pulse.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseRoomAuthorizer;
import io.github.pulse.RoomPatternAuthorizer;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.codec.PulseCodec;
import io.github.pulse.core.OverflowPolicy;
import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.RoomHistory;
import io.github.pulse.core.SessionManager;
import io.github.pulse.web.DefaultPulseConnectHandler;
import io.github.pulse.web.PulseWebSocketHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.WebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;

class PulseAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class, PulseWebSocketAutoConfiguration.class));

	@Test
	void defaultsCreateTheEngineAndTheEndpoint() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(SessionManager.class)
				.hasSingleBean(PulseWebSocketHandler.class)
				.hasSingleBean(PulseLifecycle.class);
			assertThat(context.getBean(PulseCodec.class)).isInstanceOf(JacksonPulseCodec.class);
			assertThat(context.getBean(PulseConnectHandler.class)).isInstanceOf(DefaultPulseConnectHandler.class);
			var settings = context.getBean(SessionManager.class).settings();
			assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofSeconds(25));
			assertThat(settings.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(20));
			assertThat(settings.writeTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(settings.idleTimeout()).isNull();
			assertThat(settings.sendBufferFrames()).isEqualTo(256);
			assertThat(settings.sendBufferBytes()).isEqualTo(1024 * 1024);
			assertThat(settings.overflowPolicy()).isEqualTo(OverflowPolicy.DROP_OLDEST);
			assertThat(settings.resumeWindow()).isEqualTo(Duration.ofSeconds(30));
			assertThat(settings.resumeBufferFrames()).isEqualTo(1024);
			assertThat(settings.resumeBufferBytes()).isEqualTo(4 * 1024 * 1024);
			assertThat(settings.maxConnections()).isEqualTo(-1);
		});
	}

	@Test
	void byDefaultEveryClientSideJoinIsRefused() {
		this.contextRunner.run((context) -> {
			PulseRoomAuthorizer authorizer = context.getBean(PulseRoomAuthorizer.class);
			assertThat(authorizer).isInstanceOf(RoomPatternAuthorizer.class);
			SessionManager manager = context.getBean(SessionManager.class);
			assertThat(manager.roomAuthorizer()).isSameAs(authorizer);
			assertThat(manager.maxRoomsPerConnection()).isEqualTo(100);
			// the patterns' authorizer does not look at the connection
			assertThat(authorizer.mayJoin(null, "lobby")).isFalse();
		});
	}

	@Test
	void clientJoinPatternsAndTheRoomLimitComeFromTheProperties() {
		this.contextRunner
			.withPropertyValues("pulse.rooms.client-join=chat-*,news", "pulse.rooms.client-join-excluded=chat-admin*",
					"pulse.rooms.max-per-connection=7")
			.run((context) -> {
				PulseRoomAuthorizer authorizer = context.getBean(SessionManager.class).roomAuthorizer();
				assertThat(authorizer.mayJoin(null, "chat-1")).isTrue();
				assertThat(authorizer.mayJoin(null, "news")).isTrue();
				assertThat(authorizer.mayJoin(null, "chat-admins")).isFalse();
				assertThat(authorizer.mayJoin(null, "lobby")).isFalse();
				assertThat(context.getBean(SessionManager.class).maxRoomsPerConnection()).isEqualTo(7);
			});
	}

	@Test
	void presenceIsOffByDefaultAndOnForTheRoomsThePatternsMatch() {
		this.contextRunner.run((context) -> assertThat(context.getBean(SessionManager.class).presencePatterns())
			.isEmpty());
		this.contextRunner.withPropertyValues("pulse.rooms.presence=chat-*,news")
			.run((context) -> assertThat(context.getBean(SessionManager.class).presencePatterns())
				.containsExactly("chat-*", "news"));
	}

	@Test
	void historyIsOffByDefaultAndOnForTheRoomsThePatternsMatchWithItsSizeAndAge() {
		this.contextRunner.run((context) -> {
			RoomHistory history = context.getBean(SessionManager.class).history();
			assertThat(history.isOn("any")).isFalse();
			assertThat(history.size()).isEqualTo(50);
			assertThat(history.maxAge()).isEqualTo(Duration.ofHours(24));
		});
		this.contextRunner
			.withPropertyValues("pulse.rooms.history=chat-*,news", "pulse.rooms.history-size=20",
					"pulse.rooms.history-max-age=10m")
			.run((context) -> {
				RoomHistory history = context.getBean(SessionManager.class).history();
				assertThat(history.isOn("chat-1")).isTrue();
				assertThat(history.isOn("news")).isTrue();
				assertThat(history.isOn("sport")).isFalse();
				assertThat(history.size()).isEqualTo(20);
				assertThat(history.maxAge()).isEqualTo(Duration.ofMinutes(10));
			});
	}

	@Test
	void aUserRoomAuthorizerReplacesThePatternsOne() {
		PulseRoomAuthorizer mine = (connection, room) -> room.startsWith("mine-");
		this.contextRunner.withBean(PulseRoomAuthorizer.class, () -> mine)
			.withPropertyValues("pulse.rooms.client-join=*")
			.run((context) -> {
				assertThat(context).hasSingleBean(PulseRoomAuthorizer.class);
				assertThat(context.getBean(SessionManager.class).roomAuthorizer()).isSameAs(mine);
			});
	}

	@Test
	void aListenerThatInjectsTheServerNeedsNoLazy() {
		this.contextRunner.withUserConfiguration(ListenerInjectingTheServer.class).run((context) -> {
			assertThat(context).hasNotFailed();
			ListenerInjectingTheServer.Greeter greeter = context.getBean(ListenerInjectingTheServer.Greeter.class);
			assertThat(greeter.server).isSameAs(context.getBean(SessionManager.class));
			// the engine finds it when it dispatches
			SessionManager manager = context.getBean(SessionManager.class);
			assertThat(manager.connectionCount()).isZero();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerInjectingTheServer {

		@Bean
		Greeter greeter(io.github.pulse.PulseServer server) {
			return new Greeter(server);
		}

		static final class Greeter implements io.github.pulse.PulseListener {

			final io.github.pulse.PulseServer server;

			Greeter(io.github.pulse.PulseServer server) {
				this.server = server;
			}

		}

	}

	@Test
	void propertiesChangeTheSettings() {
		this.contextRunner
			.withPropertyValues("pulse.heartbeat.interval=10s", "pulse.heartbeat.timeout=5", "pulse.idle-timeout=2m",
					"pulse.buffer.overflow=disconnect", "pulse.resume.window=0", "pulse.max-connections=100")
			.run((context) -> {
				var settings = context.getBean(SessionManager.class).settings();
				assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
				assertThat(settings.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(5));
				assertThat(settings.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
				assertThat(settings.overflowPolicy()).isEqualTo(OverflowPolicy.DISCONNECT);
				assertThat(settings.resumeEnabled()).isFalse();
				assertThat(settings.maxConnections()).isEqualTo(100);
			});
	}

	@Test
	void userBeansTakePrecedence() {
		this.contextRunner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(PulseCodec.class)).isSameAs(UserBeans.CODEC);
			assertThat(context.getBean(PulseConnectHandler.class)).isSameAs(UserBeans.HANDLER);
		});
	}

	@Test
	void disabledSwitchRemovesEverything() {
		this.contextRunner.withPropertyValues("pulse.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SessionManager.class)
				.doesNotHaveBean(PulseWebSocketHandler.class));
	}

	@Test
	void backsOffWithoutSpringWebSocket() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(WebSocketHandler.class))
			.run((context) -> assertThat(context).doesNotHaveBean(SessionManager.class));
	}

	@Test
	void backsOffOutsideAServletWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(PulseAutoConfiguration.class, PulseWebSocketAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(SessionManager.class));
	}

	@Test
	void inboundRateIsOffByDefaultAndItsBurstDefaultsToOneSecondsWorth() {
		this.contextRunner.run((context) -> {
			PulseSettings settings = context.getBean(SessionManager.class).settings();
			assertThat(settings.inboundRateLimited()).isFalse();
			assertThat(settings.resumeMaxFailuresPerMinute()).isEqualTo(30);
		});
		this.contextRunner.withPropertyValues("pulse.inbound.rate=2.5").run((context) -> {
			PulseSettings settings = context.getBean(SessionManager.class).settings();
			assertThat(settings.inboundRate()).isEqualTo(2.5);
			assertThat(settings.inboundBurst()).isEqualTo(3);
		});
		this.contextRunner.withPropertyValues("pulse.inbound.rate=100", "pulse.inbound.burst=10").run((context) -> {
			assertThat(context.getBean(SessionManager.class).settings().inboundBurst()).isEqualTo(10);
		});
	}

	@Test
	void clientAcknowledgementPacingDefaultsAndCanBeChanged() {
		this.contextRunner.run((context) -> {
			PulseSettings settings = context.getBean(SessionManager.class).settings();
			assertThat(settings.clientAckMessages()).isEqualTo(16);
			assertThat(settings.clientAckInterval()).isEqualTo(Duration.ofMillis(100));
		});
		this.contextRunner.withPropertyValues("pulse.inbound.ack-messages=4", "pulse.inbound.ack-interval=250")
			.run((context) -> {
				PulseSettings settings = context.getBean(SessionManager.class).settings();
				assertThat(settings.clientAckMessages()).isEqualTo(4);
				assertThat(settings.clientAckInterval()).as("milliseconds without a unit")
					.isEqualTo(Duration.ofMillis(250));
			});
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', value = {
			"pulse.heartbeat.interval       | 0s    | pulse.heartbeat.interval (PT0S) must be positive",
			"pulse.heartbeat.timeout        | -1s   | pulse.heartbeat.timeout (PT-1S) must be positive",
			"pulse.heartbeat.timeout        | 30s   | pulse.heartbeat.timeout (PT30S) must be shorter than pulse.heartbeat.interval",
			"pulse.write-timeout            | 0     | pulse.write-timeout (PT0S) must be positive",
			"pulse.shutdown-timeout         | 0     | pulse.shutdown-timeout (PT0S) must be positive",
			"pulse.threads.io-pool-size     | 0     | pulse.threads.io-pool-size (0) must be positive",
			"pulse.threads.io-keep-alive    | 0     | pulse.threads.io-keep-alive (PT0S) must be positive",
			"pulse.idle-timeout             | 0     | pulse.idle-timeout (PT0S) must be positive",
			"pulse.buffer.send-frames       | 0     | pulse.buffer.send-frames (0) must be positive",
			"pulse.buffer.send-bytes        | 0     | pulse.buffer.send-bytes (0B) must be positive",
			"pulse.resume.window            | -1s   | pulse.resume.window (PT-1S) must not be negative",
			"pulse.resume.buffer-frames     | 10    | pulse.resume.buffer-frames (10) must be at least pulse.buffer.send-frames",
			"pulse.resume.buffer-bytes      | 1KB   | pulse.resume.buffer-bytes (1024B) must be at least pulse.buffer.send-bytes",
			"pulse.max-connections          | 0     | pulse.max-connections (0) must be positive, or -1",
			"pulse.max-message-size         | 0     | pulse.max-message-size (0B) must be between",
			"pulse.container.message-buffer-size | 8B | pulse.container.message-buffer-size (8B) must be at least 64B",
			"pulse.container.io-buffer-size | 100B  | pulse.container.io-buffer-size (100B) must be between 512B and 1MB",
			"pulse.path                     | pulse | pulse.path (pulse) must start with '/'",
			"pulse.default-room             | a b   | pulse.default-room (a b) must match",
			"pulse.metrics.max-room-tags    | 0     | pulse.metrics.max-room-tags (0) must be positive",
			"pulse.inbound.rate             | -1    | pulse.inbound.rate (-1.0) must be zero (no limit) or a positive number",
			"pulse.inbound.rate             | NaN   | pulse.inbound.rate (NaN) must be zero (no limit) or a positive number",
			"pulse.inbound.burst            | 0     | pulse.inbound.burst (0) must be at least 1",
			"pulse.inbound.ack-messages     | 0     | pulse.inbound.ack-messages (0) must be at least 1",
			"pulse.inbound.ack-interval     | 0     | pulse.inbound.ack-interval (PT0S) must be positive",
			"pulse.inbound.ack-interval     | -5ms  | pulse.inbound.ack-interval (PT-0.005S) must be positive",
			"pulse.delivery.lanes           | -1    | pulse.delivery.lanes (-1) must be between 0 and 256",
			"pulse.delivery.min-room-size   | 0     | pulse.delivery.min-room-size (0) must be positive",
			"pulse.resume.max-failures-per-minute | -1 | pulse.resume.max-failures-per-minute (-1) must not be negative",
			"pulse.rooms.client-join        | chat/* | pulse.rooms.client-join[0] (chat/*) must be 1 to 128 characters from",
			"pulse.rooms.client-join-excluded | a b | pulse.rooms.client-join-excluded[0] (a b) must be 1 to 128 characters",
			"pulse.rooms.max-per-connection | 0     | pulse.rooms.max-per-connection (0) must be positive",
			"pulse.rooms.presence           | 'chat-*,a b' | pulse.rooms.presence[1] (a b) must be 1 to 128 characters",
			"pulse.rooms.history            | 'chat-*,a/b' | pulse.rooms.history[1] (a/b) must be 1 to 128 characters",
			"pulse.rooms.history-size       | 0     | pulse.rooms.history-size (0) must be from 1 to 1000",
			"pulse.rooms.history-size       | 1001  | pulse.rooms.history-size (1001) must be from 1 to 1000",
			"pulse.rooms.history-max-age    | 0s    | pulse.rooms.history-max-age (PT0S) must be positive",
			"pulse.rooms.history-max-age    | -1s   | pulse.rooms.history-max-age (PT-1S) must be positive" })
	void invalidSettingFailsStartupNamingTheProperty(String property, String value, String message) {
		this.contextRunner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining(message);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		static final PulseCodec CODEC = new JacksonPulseCodec();

		static final PulseConnectHandler HANDLER = (request) -> ConnectDecision.accept(List.of("mine"));

		@Bean
		PulseCodec myCodec() {
			return CODEC;
		}

		@Bean
		PulseConnectHandler myConnectHandler() {
			return HANDLER;
		}

	}

}
