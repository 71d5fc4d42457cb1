package io.github.pulse.test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis server process on a random port, for the cluster tests: {@code redis-server} from the PATH (Debian's
 * {@code redis-server} package) without persistence. Tests can {@link #stop()} and {@link #start()} it again on the
 * same port. Fails, never skips, when {@code redis-server} is missing.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback {

	private final int port = freePort();

	private @Nullable Process process;

	@Override
	public void beforeAll(ExtensionContext context) {
		start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		stop();
	}

	/**
	 * Port the server listens on, the same across restarts.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Starts the server and waits until it answers PING.
	 */
	public synchronized void start() {
		if (this.process != null) {
			return;
		}
		String executable = executable();
		try {
			this.process = new ProcessBuilder(List.of(executable, "--port", Integer.toString(this.port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "local"))
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + executable, ex);
		}
		Awaitility.await("redis-server on port " + this.port).atMost(Duration.ofSeconds(20)).until(this::answersPing);
	}

	/**
	 * Stops the server abruptly (SIGKILL): clients see their connections reset.
	 */
	public synchronized void stop() {
		Process running = this.process;
		if (running == null) {
			return;
		}
		running.destroyForcibly();
		try {
			running.waitFor();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.process = null;
	}

	/**
	 * Sends one command to the server on a connection of its own and returns the first line of the reply (for
	 * example {@code :2} after {@code CLIENT KILL TYPE pubsub} killed two clients).
	 * @param arguments the command and its arguments
	 * @return the reply's first line, without its CRLF
	 */
	public String command(String... arguments) {
		return reply(1, arguments).get(0);
	}

	/**
	 * Sends one command to the server on a connection of its own and returns the first lines of the reply (for
	 * example the 5 of {@code PUBSUB NUMSUB channel}: {@code *2}, {@code $<length>}, the channel, {@code :<count>}).
	 * @param lines how many lines to read
	 * @param arguments the command and its arguments
	 * @return the reply's first lines, without their CRLF
	 */
	public List<String> reply(int lines, String... arguments) {
		StringBuilder request = new StringBuilder("*").append(arguments.length).append("\r\n");
		for (String argument : arguments) {
			request.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
				.append(argument).append("\r\n");
		}
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			List<String> reply = new java.util.ArrayList<>();
			for (int i = 0; i < lines; i++) {
				StringBuilder line = new StringBuilder();
				for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
					if (b != '\r') {
						line.append((char) b);
					}
				}
				reply.add(line.toString());
			}
			return reply;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Redis command " + arguments[0] + " failed", ex);
		}
	}

	private boolean answersPing() {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[7];
			int read = in.readNBytes(reply, 0, 7);
			return read == 7 && new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static String executable() {
		String configured = System.getenv("REDIS_SERVER");
		if (configured != null && !configured.isBlank()) {
			return configured;
		}
		for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			Path candidate = Path.of(dir, "redis-server");
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		Path debian = Path.of("/usr/bin/redis-server");
		if (Files.isExecutable(debian)) {
			return debian.toString();
		}
		throw new IllegalStateException("The cluster tests need a real Redis: redis-server is not on the PATH. "
				+ "Install it (Debian: apt-get install -y redis-server; .ci/run does) or set REDIS_SERVER to its path");
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
