package io.github.pulse.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback for fault injection: cut connections abruptly (RST, no close frame), blackhole traffic
 * without closing, or add delay. One thread per direction per connection; meant for tests, not for load.
 */
public final class FaultInjectingProxy implements AutoCloseable {

	private final ServerSocket server;

	private final InetSocketAddress target;

	private final List<Link> links = new CopyOnWriteArrayList<>();

	private final Thread acceptor;

	private volatile boolean blackhole;

	private volatile long delayNanos;

	private volatile boolean closed;

	/**
	 * Starts a proxy on a random loopback port forwarding to the given port on loopback.
	 * @param targetPort the port to forward to
	 * @throws IOException if the proxy cannot listen
	 */
	public FaultInjectingProxy(int targetPort) throws IOException {
		this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
		this.server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::acceptLoop, "proxy-accept-" + this.server.getLocalPort());
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	/**
	 * Port the proxy listens on.
	 * @return the port
	 */
	public int port() {
		return this.server.getLocalPort();
	}

	/**
	 * Drops all traffic in both directions from now on, without closing anything, until turned off.
	 * @param on whether to drop traffic
	 */
	public void blackhole(boolean on) {
		this.blackhole = on;
	}

	/**
	 * Delays every chunk forwarded in either direction.
	 * @param delay the added latency, zero for none
	 */
	public void delay(Duration delay) {
		this.delayNanos = delay.toNanos();
	}

	/**
	 * Cuts every current connection abruptly: both sockets are reset, so neither side sees a close frame.
	 * @return the number of connections cut
	 */
	public int cutAll() {
		int cut = 0;
		for (Link link : this.links) {
			link.cut();
			cut++;
		}
		return cut;
	}

	/**
	 * Current connections, oldest first.
	 * @return a snapshot
	 */
	public List<Link> links() {
		return List.copyOf(this.links);
	}

	/**
	 * Number of connections currently proxied.
	 * @return the count
	 */
	public int linkCount() {
		return this.links.size();
	}

	private void acceptLoop() {
		while (!this.closed) {
			try {
				Socket client = this.server.accept();
				Socket upstream = new Socket();
				upstream.connect(this.target, 5000);
				client.setTcpNoDelay(true);
				upstream.setTcpNoDelay(true);
				Link link = new Link(client, upstream);
				this.links.add(link);
				link.start();
			}
			catch (IOException ex) {
				if (this.closed) {
					return;
				}
			}
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.server.close();
		cutAll();
	}

	/**
	 * One proxied connection.
	 */
	public final class Link {

		private final Socket client;

		private final Socket upstream;

		private volatile boolean cut;

		private final long createdNanos = System.nanoTime();

		Link(Socket client, Socket upstream) {
			this.client = client;
			this.upstream = upstream;
		}

		/**
		 * How long this connection has existed.
		 * @return its age
		 */
		public java.time.Duration age() {
			return java.time.Duration.ofNanos(System.nanoTime() - this.createdNanos);
		}

		void start() throws IOException {
			pump(this.client.getInputStream(), this.upstream.getOutputStream(), "up");
			pump(this.upstream.getInputStream(), this.client.getOutputStream(), "down");
		}

		private void pump(InputStream in, OutputStream out, String direction) {
			Thread thread = new Thread(() -> {
				byte[] buffer = new byte[16384];
				try {
					int read;
					while ((read = in.read(buffer)) >= 0) {
						long delay = FaultInjectingProxy.this.delayNanos;
						if (delay > 0) {
							LockSupport.parkNanos(delay);
						}
						if (!FaultInjectingProxy.this.blackhole) {
							out.write(buffer, 0, read);
							out.flush();
						}
					}
				}
				catch (IOException ex) {
					// connection ended
				}
				finally {
					cut();
				}
			}, "proxy-" + direction + "-" + this.client.getPort());
			thread.setDaemon(true);
			thread.start();
		}

		/**
		 * Resets both sockets at once.
		 */
		public void cut() {
			if (this.cut) {
				return;
			}
			this.cut = true;
			FaultInjectingProxy.this.links.remove(this);
			reset(this.client);
			reset(this.upstream);
		}

		private void reset(Socket socket) {
			try {
				socket.setSoLinger(true, 0);
				socket.close();
			}
			catch (SocketException ex) {
				// already closed
			}
			catch (IOException ex) {
				// ignore
			}
		}

	}

}
