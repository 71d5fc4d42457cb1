package io.github.pulse.autoconfigure;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;

import io.github.pulse.RoomNames;
import io.github.pulse.RoomPatternAuthorizer;
import io.github.pulse.core.PulseSettings;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Validates {@link PulseProperties} and turns them into engine settings. Every failure names the property and says
 * what is allowed, and stops the application from starting.
 */
final class PulseSettingsFactory {

	private PulseSettingsFactory() {
	}

	static PulseSettings create(PulseProperties properties) {
		PulseProperties.Heartbeat heartbeat = properties.getHeartbeat();
		PulseProperties.Buffer buffer = properties.getBuffer();
		PulseProperties.Resume resume = properties.getResume();
		checkPath(properties.getPath());
		if (!RoomNames.isValid(properties.getDefaultRoom())) {
			throw invalid("pulse.default-room", properties.getDefaultRoom(), "must match [A-Za-z0-9._:-]{1,128}");
		}
		positive("pulse.heartbeat.interval", heartbeat.getInterval());
		positive("pulse.heartbeat.timeout", heartbeat.getTimeout());
		if (heartbeat.getTimeout().compareTo(heartbeat.getInterval()) >= 0) {
			throw invalid("pulse.heartbeat.timeout", heartbeat.getTimeout(), "must be shorter than "
					+ "pulse.heartbeat.interval (" + heartbeat.getInterval() + ") so a ping is answered before the next");
		}
		positive("pulse.write-timeout", properties.getWriteTimeout());
		positive("pulse.shutdown-timeout", properties.getShutdownTimeout());
		if (properties.getThreads().getIoPoolSize() <= 0) {
			throw invalid("pulse.threads.io-pool-size", properties.getThreads().getIoPoolSize(), "must be positive");
		}
		positive("pulse.threads.io-keep-alive", properties.getThreads().getIoKeepAlive());
		if (properties.getIdleTimeout() != null) {
			positive("pulse.idle-timeout", properties.getIdleTimeout());
		}
		if (properties.getMaxConnections() < -1 || properties.getMaxConnections() == 0) {
			throw invalid("pulse.max-connections", properties.getMaxConnections(), "must be positive, or -1 for no limit");
		}
		long maxMessage = properties.getMaxMessageSize().toBytes();
		if (maxMessage <= 0 || maxMessage > Integer.MAX_VALUE) {
			throw invalid("pulse.max-message-size", properties.getMaxMessageSize(), "must be between 1B and 2GB");
		}
		long containerBuffer = properties.getContainer().getMessageBufferSize().toBytes();
		if (containerBuffer < 64 || containerBuffer > Integer.MAX_VALUE) {
			throw invalid("pulse.container.message-buffer-size", properties.getContainer().getMessageBufferSize(),
					"must be at least 64B");
		}
		long ioBuffer = properties.getContainer().getIoBufferSize().toBytes();
		if (ioBuffer < 512 || ioBuffer > 1024 * 1024) {
			throw invalid("pulse.container.io-buffer-size", properties.getContainer().getIoBufferSize(),
					"must be between 512B and 1MB");
		}
		PulseProperties.Delivery delivery = properties.getDelivery();
		if (delivery.getLanes() != null && (delivery.getLanes() < 0 || delivery.getLanes() > 256)) {
			throw invalid("pulse.delivery.lanes", delivery.getLanes(), "must be between 0 and 256");
		}
		if (delivery.getMinRoomSize() < 1) {
			throw invalid("pulse.delivery.min-room-size", delivery.getMinRoomSize(), "must be positive");
		}
		if (buffer.getSendFrames() <= 0) {
			throw invalid("pulse.buffer.send-frames", buffer.getSendFrames(), "must be positive");
		}
		if (buffer.getSendBytes().toBytes() <= 0) {
			throw invalid("pulse.buffer.send-bytes", buffer.getSendBytes(), "must be positive");
		}
		if (resume.getWindow().isNegative()) {
			throw invalid("pulse.resume.window", resume.getWindow(), "must not be negative (0 disables resume)");
		}
		if (!resume.getWindow().isZero()) {
			if (resume.getBufferFrames() < buffer.getSendFrames()) {
				throw invalid("pulse.resume.buffer-frames", resume.getBufferFrames(),
						"must be at least pulse.buffer.send-frames (" + buffer.getSendFrames()
								+ "): frames queued for sending must also fit the replay buffer");
			}
			if (resume.getBufferBytes().toBytes() < buffer.getSendBytes().toBytes()) {
				throw invalid("pulse.resume.buffer-bytes", resume.getBufferBytes(),
						"must be at least pulse.buffer.send-bytes (" + buffer.getSendBytes() + ")");
			}
		}
		PulseProperties.Inbound inbound = properties.getInbound();
		if (!(inbound.getRate() >= 0) || Double.isInfinite(inbound.getRate())) {
			throw invalid("pulse.inbound.rate", inbound.getRate(), "must be zero (no limit) or a positive number");
		}
		int burst = (inbound.getBurst() != null) ? inbound.getBurst() : (int) Math.max(1, Math.ceil(inbound.getRate()));
		if (burst < 1) {
			throw invalid("pulse.inbound.burst", inbound.getBurst(), "must be at least 1");
		}
		if (inbound.getAckMessages() < 1) {
			throw invalid("pulse.inbound.ack-messages", inbound.getAckMessages(), "must be at least 1");
		}
		positive("pulse.inbound.ack-interval", inbound.getAckInterval());
		if (resume.getMaxFailuresPerMinute() < 0) {
			throw invalid("pulse.resume.max-failures-per-minute", resume.getMaxFailuresPerMinute(),
					"must not be negative (0 for no limit)");
		}
		checkHandshake(properties);
		checkRooms(properties.getRooms());
		if (properties.getMetrics().getMaxRoomTags() <= 0) {
			throw invalid("pulse.metrics.max-room-tags", properties.getMetrics().getMaxRoomTags(), "must be positive");
		}
		return new PulseSettings(heartbeat.getInterval(), heartbeat.getTimeout(), properties.getWriteTimeout(),
				properties.getIdleTimeout(), properties.getShutdownTimeout(), buffer.getSendFrames(),
				buffer.getSendBytes().toBytes(), buffer.getOverflow(), resume.getWindow(), resume.getBufferFrames(),
				resume.getBufferBytes().toBytes(), properties.getMaxConnections(), inbound.getRate(), burst,
				resume.getMaxFailuresPerMinute(), inbound.getAckMessages(), inbound.getAckInterval());
	}

	/**
	 * Checks the settings of the handshake: subprotocols and the per-address limits.
	 */
	static void checkHandshake(PulseProperties properties) {
		List<String> subprotocols = properties.getSubprotocols();
		if (subprotocols.isEmpty()) {
			throw invalid("pulse.subprotocols", subprotocols, "must list at least one subprotocol, such as pulse.v1");
		}
		for (String subprotocol : subprotocols) {
			if (!isToken(subprotocol)) {
				throw invalid("pulse.subprotocols", subprotocols, "must be HTTP tokens (letters, digits and "
						+ "!#$%&'*+-.^_`|~), not '" + subprotocol + "'");
			}
		}
		if (new HashSet<>(subprotocols).size() != subprotocols.size()) {
			throw invalid("pulse.subprotocols", subprotocols, "must not list a subprotocol twice");
		}
		if (properties.getMaxConnectionsPerAddress() < -1 || properties.getMaxConnectionsPerAddress() == 0) {
			throw invalid("pulse.max-connections-per-address", properties.getMaxConnectionsPerAddress(),
					"must be positive, or -1 for no limit");
		}
		PulseProperties.Handshake handshake = properties.getHandshake();
		if (!(handshake.getRate() >= 0) || Double.isInfinite(handshake.getRate())) {
			throw invalid("pulse.handshake.rate", handshake.getRate(), "must be zero (no limit) or a positive number");
		}
		if (handshake.getBurst() != null && handshake.getBurst() < 1) {
			throw invalid("pulse.handshake.burst", handshake.getBurst(), "must be at least 1");
		}
		if (handshake.getMaxAddresses() < 1) {
			throw invalid("pulse.handshake.max-addresses", handshake.getMaxAddresses(), "must be positive");
		}
	}

	/**
	 * Checks the rules of client-side joins: valid patterns and a positive limit.
	 */
	static void checkRooms(PulseProperties.Rooms rooms) {
		checkPatterns("pulse.rooms.client-join", rooms.getClientJoin());
		checkPatterns("pulse.rooms.client-join-excluded", rooms.getClientJoinExcluded());
		checkPatterns("pulse.rooms.presence", rooms.getPresence());
		checkPatterns("pulse.rooms.history", rooms.getHistory());
		if (rooms.getHistorySize() < 1 || rooms.getHistorySize() > io.github.pulse.codec.InboundFrame.MAX_HISTORY) {
			throw invalid("pulse.rooms.history-size", rooms.getHistorySize(),
					"must be from 1 to " + io.github.pulse.codec.InboundFrame.MAX_HISTORY);
		}
		if (rooms.getHistoryMaxAge() == null || rooms.getHistoryMaxAge().isNegative()
				|| rooms.getHistoryMaxAge().isZero()) {
			throw invalid("pulse.rooms.history-max-age", rooms.getHistoryMaxAge(), "must be positive");
		}
		if (rooms.getMaxPerConnection() < 1) {
			throw invalid("pulse.rooms.max-per-connection", rooms.getMaxPerConnection(), "must be positive");
		}
	}

	private static void checkPatterns(String name, List<String> patterns) {
		for (int i = 0; i < patterns.size(); i++) {
			String pattern = patterns.get(i);
			if (pattern == null || !RoomPatternAuthorizer.isValidPattern(pattern)) {
				throw invalid(name + "[" + i + "]", pattern,
						"must be 1 to 128 characters from [A-Za-z0-9._:-] and '*' (any characters)");
			}
		}
	}

	/** Whether the value is an HTTP token (RFC 9110), as a subprotocol name must be. */
	private static boolean isToken(String value) {
		if (value.isEmpty()) {
			return false;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
					|| "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
				return false;
			}
		}
		return true;
	}

	private static void checkPath(String path) {
		if (path.isEmpty() || path.charAt(0) != '/' || path.chars().anyMatch(Character::isWhitespace)) {
			throw invalid("pulse.path", path, "must start with '/' and contain no whitespace");
		}
	}

	private static void positive(String name, @Nullable Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw invalid(name, value, "must be positive");
		}
	}

	private static InvalidConfigurationPropertyValueException invalid(String name, @Nullable Object value,
			String reason) {
		return new InvalidConfigurationPropertyValueException(name, value, name + " (" + value + ") " + reason);
	}

}
