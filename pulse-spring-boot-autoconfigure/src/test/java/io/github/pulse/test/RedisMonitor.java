package io.github.pulse.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

/**
 * Every command a real Redis server runs, as {@code MONITOR} reports it, read on a connection of its own (which,
 * unlike a subscriber, changes nothing about who receives a {@code PUBLISH}).
 */
public final class RedisMonitor implements AutoCloseable {

	private final Socket socket;

	private final List<List<String>> commands = new CopyOnWriteArrayList<>();

	private final Thread reader;

	/**
	 * Starts monitoring the server on {@code port}; returns once the server has confirmed.
	 * @param port the Redis server's port
	 * @throws IOException if the server cannot be reached
	 */
	public RedisMonitor(int port) throws IOException {
		this.socket = new Socket("127.0.0.1", port);
		OutputStream out = this.socket.getOutputStream();
		out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
		out.flush();
		BufferedReader in = new BufferedReader(new InputStreamReader(this.socket.getInputStream(), StandardCharsets.UTF_8));
		String ok = in.readLine();
		if (!"+OK".equals(ok)) {
			throw new IOException("MONITOR refused: " + ok);
		}
		this.reader = new Thread(() -> {
			try {
				for (String line = in.readLine(); line != null; line = in.readLine()) {
					this.commands.add(parse(line));
				}
			}
			catch (IOException ex) {
				// closed
			}
		}, "redis-monitor");
		this.reader.setDaemon(true);
		this.reader.start();
	}

	/**
	 * Waits for a command seen after this monitor started that matches.
	 * @param matching which command (its name, upper case, then its arguments)
	 * @param timeout how long to wait at most
	 * @return the first command that matched
	 */
	public List<String> await(Predicate<List<String>> matching, Duration timeout) {
		Awaitility.await().atMost(timeout).until(() -> this.commands.stream().anyMatch(matching));
		return this.commands.stream().filter(matching).findFirst().orElseThrow();
	}

	/**
	 * The commands seen so far that match.
	 * @param matching which commands
	 * @return them, in the order the server ran them
	 */
	public List<List<String>> seen(Predicate<List<String>> matching) {
		return this.commands.stream().filter(matching).toList();
	}

	/**
	 * A {@code PUBLISH} to {@code channel} whose message starts with {@code prefix}.
	 * @param channel the channel
	 * @param prefix how the message starts
	 * @return the predicate
	 */
	public static Predicate<List<String>> publish(String channel, String prefix) {
		return (command) -> command.size() == 3 && command.get(0).equals("PUBLISH") && command.get(1).equals(channel)
				&& command.get(2).startsWith(prefix);
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * One MONITOR line, {@code +<time> [<db> <client>] "CMD" "arg" ...}, as the command name (upper case) and its
	 * arguments, unescaped.
	 */
	static List<String> parse(String line) {
		List<String> parts = new ArrayList<>();
		int i = line.indexOf("] ");
		if (i < 0) {
			return parts;
		}
		i += 2;
		while (i < line.length()) {
			if (line.charAt(i) != '"') {
				i++;
				continue;
			}
			StringBuilder part = new StringBuilder();
			i++;
			while (i < line.length() && line.charAt(i) != '"') {
				char c = line.charAt(i);
				if (c == '\\' && i + 1 < line.length()) {
					char next = line.charAt(i + 1);
					switch (next) {
						case 'n' -> part.append('\n');
						case 'r' -> part.append('\r');
						case 't' -> part.append('\t');
						case 'a' -> part.append('\u0007');
						case 'b' -> part.append('\b');
						case 'x' -> {
							part.append((char) Integer.parseInt(line.substring(i + 2, i + 4), 16));
							i += 2;
						}
						default -> part.append(next);
					}
					i += 2;
				}
				else {
					part.append(c);
					i++;
				}
			}
			i++;
			parts.add(parts.isEmpty() ? part.toString().toUpperCase(java.util.Locale.ROOT) : part.toString());
		}
		return parts;
	}

}
