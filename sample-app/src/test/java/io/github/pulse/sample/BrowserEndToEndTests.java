package io.github.pulse.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the end-to-end tests in {@code src/test/e2e} (Node's test runner driving Debian's Chromium through
 * playwright-core) against this sample on a random port, so that {@code mvn verify} covers the browser: here on the
 * servlet stack (Tomcat), the sample's default, and in {@link BrowserEndToEndReactiveTests} on WebFlux and Reactor
 * Netty. Needs {@code node}, {@code /usr/bin/chromium} (or {@code PULSE_CHROMIUM}) and
 * {@code npm ci} run in {@code src/test/e2e}; fails with what is missing otherwise. Screenshots go to
 * {@code target/e2e-screenshots} (the reactive run's to {@code target/e2e-screenshots-reactive}), or to the directory
 * in the system property {@code pulse.screenshots}.
 */
@SpringBootTest(classes = SampleApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(PulseEndpointStandIn.class)
@Tag("heavy")
class BrowserEndToEndTests {

	private static final long TIMEOUT_MINUTES = 5;

	@LocalServerPort
	int port;

	/**
	 * Installs playwright-core from the lock file, so that the README's single test command works on a fresh
	 * clone; it uses the registry npm is configured with and downloads no browser.
	 */
	private static void installNodeModules(Path e2e) throws Exception {
		Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(e2e.toFile())
			.redirectErrorStream(true)
			.redirectOutput(Path.of("target", "npm-ci.log").toFile())
			.start();
		if (!npm.waitFor(TIMEOUT_MINUTES, java.util.concurrent.TimeUnit.MINUTES) || npm.exitValue() != 0) {
			npm.destroyForcibly();
			fail("'npm ci' failed in " + e2e + ": see target/npm-ci.log");
		}
	}

	/**
	 * Name of the stack, for the output files.
	 * @return a suffix for the screenshot directory and the log, empty for the default stack
	 */
	String stack() {
		return "";
	}

	@Test
	void chatPresenceRoomsDirectMessagesHistoryResumeOperationsPageAndKickWorkInARealBrowser() throws Exception {
		Path e2e = Path.of("src", "test", "e2e").toAbsolutePath();
		Path chromium = Path.of(System.getenv().getOrDefault("PULSE_CHROMIUM", "/usr/bin/chromium"));
		if (!Files.isDirectory(e2e.resolve("node_modules").resolve("playwright-core"))) {
			installNodeModules(e2e);
		}
		if (!Files.isExecutable(chromium)) {
			fail("No Chromium at " + chromium + ": install Debian's 'chromium' package or set PULSE_CHROMIUM");
		}
		Path target = Path.of("target").toAbsolutePath();
		Path screenshots = Path.of(System.getProperty("pulse.screenshots",
				target.resolve("e2e-screenshots" + stack()).toString()))
			.toAbsolutePath();
		Path log = target.resolve("e2e-output" + stack() + ".log");
		Files.createDirectories(screenshots);
		List<String> command = new ArrayList<>(List.of("node", "--test", "--test-concurrency=1",
				"--test-reporter=spec"));
		try (var files = Files.list(e2e)) {
			files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".test.mjs"))
				.sorted()
				.forEach(command::add);
		}
		ProcessBuilder builder = new ProcessBuilder(command).directory(e2e.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().put("PULSE_BASE_URL", "http://localhost:" + this.port);
		builder.environment().put("PULSE_CHROMIUM", chromium.toString());
		builder.environment().put("PULSE_SCREENSHOT_DIR", screenshots.toString());
		Process node = builder.start();
		boolean finished = node.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
		if (!finished) {
			node.descendants().forEach(ProcessHandle::destroyForcibly);
			node.destroyForcibly();
		}
		String output = read(log);
		System.out.println(output);
		assertThat(finished).as("end-to-end tests finished within %d minutes; output:%n%s", TIMEOUT_MINUTES, output)
			.isTrue();
		assertThat(node.exitValue()).as("exit code of the end-to-end tests; output:%n%s", output).isZero();
		assertThat(output).contains("\u2139 fail 0").containsPattern("(?m)^\u2139 pass [1-9]");
		assertThat(screenshots.resolve("chat.png")).isNotEmptyFile();
		assertThat(screenshots.resolve("operations.png")).isNotEmptyFile();
	}

	private static String read(Path log) throws IOException {
		return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
	}

}
