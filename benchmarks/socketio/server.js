// The Socket.IO 4 peer of the pulse benchmarks: what a Node user would pick instead of pulse. Clients join the room
// named in their handshake query (`room`); `chat` is broadcast to that room (sender included, as pulse and the other
// peers do) and `echo` goes back to the sender only. Default settings otherwise (socket.io 4.8, engine.io 6.6):
// pingInterval 25 s, pingTimeout 20 s, maxHttpBufferSize 1 MB, perMessageDeflate off, transports polling and
// websocket (the load generator opens the WebSocket transport directly: EIO=4&transport=websocket), in-memory adapter.
// Usage: node server.js <port>
"use strict";

const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3000);
const io = new Server(port);

io.on("connection", (socket) => {
  const requested = socket.handshake.query.room;
  const room = typeof requested === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(requested) ? requested : "default";
  socket.join(room);
  socket.on("chat", (payload) => io.to(room).emit("chat", payload));
  socket.on("echo", (payload) => socket.emit("echo", payload));
});

console.log(`socket.io ${require("socket.io/package.json").version} listening on ${port}`);
