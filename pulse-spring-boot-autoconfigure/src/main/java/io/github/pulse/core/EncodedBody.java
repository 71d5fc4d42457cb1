package io.github.pulse.core;

import java.nio.charset.StandardCharsets;

/**
 * The part of a numbered frame shared by all recipients: everything after {@code "seq":N}, encoded once per send
 * or broadcast, as text and as UTF-8. A body that starts with the {@code ref} of a request is a {@code reply}
 * frame's; one that starts with its own {@code {"type":"..."}} is a frame of that type (a room's {@code joined},
 * {@code joinFailed} or {@code left} answer), whose {@code seq} goes right after the type; any other is a
 * {@code message} frame's. The text alone says which, so it survives a hand-over between nodes.
 */
public final class EncodedBody {

	static final String REPLY_START = ",\"ref\":";

	static final String TYPED_START = "{\"type\":\"";

	private static final String MESSAGE_HEAD = "{\"type\":\"message\",\"seq\":";

	private static final String REPLY_HEAD = "{\"type\":\"reply\",\"seq\":";

	private static final byte[] MESSAGE_HEAD_UTF8 = MESSAGE_HEAD.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] REPLY_HEAD_UTF8 = REPLY_HEAD.getBytes(StandardCharsets.US_ASCII);

	private final String text;

	private final String head;

	/** What follows the sequence number. */
	private final String tail;

	private final byte[] headUtf8;

	/** The UTF-8 of what follows the sequence number. */
	private final byte[] utf8;

	private EncodedBody(String text) {
		this.text = text;
		if (text.startsWith(TYPED_START)) {
			// {"type":"joined","room":..} is written {"type":"joined","seq":N,"room":..}
			int typeEnd = text.indexOf('"', TYPED_START.length()) + 1;
			this.head = text.substring(0, typeEnd) + ",\"seq\":";
			this.headUtf8 = this.head.getBytes(StandardCharsets.UTF_8);
			this.tail = text.substring(typeEnd);
			this.utf8 = this.tail.getBytes(StandardCharsets.UTF_8);
		}
		else {
			boolean reply = text.startsWith(REPLY_START);
			this.head = reply ? REPLY_HEAD : MESSAGE_HEAD;
			this.headUtf8 = reply ? REPLY_HEAD_UTF8 : MESSAGE_HEAD_UTF8;
			this.tail = text;
			this.utf8 = text.getBytes(StandardCharsets.UTF_8);
		}
	}

	/**
	 * The start of the frame, up to its sequence number: {@code {"type":"message","seq":} and the like.
	 */
	String head() {
		return this.head;
	}

	/**
	 * {@link #head()} in UTF-8, shared: never modified.
	 */
	byte[] headUtf8() {
		return this.headUtf8;
	}

	/**
	 * What follows the sequence number in the frame.
	 */
	String tail() {
		return this.tail;
	}

	static EncodedBody of(String text) {
		return new EncodedBody(text);
	}

	/**
	 * The body as JSON text ending with the closing brace of the frame: starting with a comma (the fields after the
	 * sequence number), or, for a frame of its own type, the frame without its sequence number.
	 * @return the text
	 */
	public String text() {
		return this.text;
	}

	/**
	 * Size in UTF-8 bytes of what follows the sequence number in the frame.
	 * @return the number of bytes
	 */
	public int bytes() {
		return this.utf8.length;
	}

	/**
	 * What follows the sequence number in the frame, in UTF-8, shared: never modified.
	 */
	byte[] utf8() {
		return this.utf8;
	}

	@Override
	public String toString() {
		return this.text;
	}

	/**
	 * Size of a text in UTF-8 bytes, without encoding it.
	 * @param text the text
	 * @return the number of bytes
	 */
	public static int utf8Length(CharSequence text) {
		int length = text.length();
		int bytes = length;
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			if (c >= 0x80) {
				if (c < 0x800) {
					bytes += 1;
				}
				else if (Character.isHighSurrogate(c)) {
					bytes += 2;
					i++;
				}
				else {
					bytes += 2;
				}
			}
		}
		return bytes;
	}

}
