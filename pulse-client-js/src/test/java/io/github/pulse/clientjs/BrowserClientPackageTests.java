package io.github.pulse.clientjs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.pulse.test.FaultInjectingProxy;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the npm package's checks in this folder as part of {@code mvn verify}: {@code npm ci} from the lock file,
 * then {@code npm test} (tsc over the declarations and the usage example, the unit tests, the package tests with
 * {@code npm pack}, and the tests against this real server behind a fault-injecting proxy). Needs {@code node} and
 * {@code npm}; fails with what went wrong otherwise.
 */
@SpringBootTest(classes = ClientJsTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pulse.heartbeat.interval=2s", "pulse.heartbeat.timeout=1s", "pulse.resume.window=30s",
				"pulse.rooms.client-join=chat-*", "pulse.rooms.client-join-excluded=chat-admin*",
				"pulse.rooms.presence=chat-presence*", "pulse.rooms.history=chat-history*" })
class BrowserClientPackageTests {

	private static final long TIMEOUT_MINUTES = 5;

	@LocalServerPort
	int port;

	@Autowired
	ClientJsTestApplication.Proxy proxy;

	@Test
	void packageTypeChecksPacksAndPassesItsTestsAgainstARealServer() throws Exception {
		Path target = Path.of("target").toAbsolutePath();
		Files.createDirectories(target);
		run(List.of("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"), Map.of(), target.resolve("npm-ci.log"));
		try (FaultInjectingProxy faults = this.proxy.start(this.port)) {
			Path log = target.resolve("npm-test.log");
			String output = run(List.of("npm", "test"),
					Map.of("PULSE_URL", "ws://127.0.0.1:" + faults.port() + "/pulse", "PULSE_CONTROL_URL",
							"http://127.0.0.1:" + this.port),
					log);
			assertThat(output).contains("\u2139 fail 0").containsPattern("(?m)^\u2139 pass [1-9]");
		}
	}

	private static String run(List<String> command, Map<String, String> environment, Path log) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().putAll(environment);
		Process process = builder.start();
		boolean finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
		if (!finished) {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly();
		}
		String output = read(log);
		System.out.println(output);
		if (!finished || process.exitValue() != 0) {
			fail(String.join(" ", command) + (finished ? " exited with " + process.exitValue() : " timed out")
					+ "; output:%n%s".formatted(output));
		}
		return output;
	}

	private static String read(Path log) throws IOException {
		return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
	}

}
