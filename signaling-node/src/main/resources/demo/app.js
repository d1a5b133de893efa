// Demo meeting page: Socket.IO signaling (PROTOCOL.md) plus a WebRTC mesh, one RTCPeerConnection per
// remote participant. Plain browser JavaScript, no build step; socket.io-client comes from
// /demo/vendor/socket.io.min.js.
(() => {
  'use strict';

  const ACK_TIMEOUT_MS = 8000;
  const LEAVE_TIMEOUT_MS = 2000;
  const TYPING_REFRESH_MS = 2000; // re-send typing-start before the server's 3 s lapse
  const TYPING_IDLE_MS = 2000; // no keystroke for this long: typing-stop
  const TYPING_LAPSE_MS = 3500; // drop a remote "is typing" we never heard the end of
  const UNAVAILABLE_RETRIES = 5;
  const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };
  const DATA_CHANNEL = 'chat-p2p';

  // ---------------------------------------------------------------------------------------------
  // User-facing texts for every refusal the server can give (PROTOCOL.md §2, §5, §6).

  const JOIN_ERRORS = {
    'Room not found': 'Check the code, or create a new room.',
    'Room is locked': 'The host has locked this meeting. Ask them to unlock it, then try again.',
    'Room is full': 'This meeting has reached its participant limit.',
    'Room is no longer active': 'This meeting has ended.',
    'Removed by host': 'The host removed you from this meeting, so you cannot rejoin it.',
    'Denied by host': 'The host declined your request to join.',
    'Invalid room code': 'A room code has 3–32 letters, digits or hyphens, like abc-def-ghi.',
  };

  const FORCE_DISCONNECT = {
    'Removed by host': ['Removed by host', 'The host removed you from the meeting. You cannot rejoin it.'],
    'Meeting ended by host': ['Meeting ended by host', 'The host ended the meeting for everyone.'],
    'Joined from another connection': ['Joined from another connection',
      'You joined this meeting from another tab or device, so this window was disconnected.'],
    'Rate limit exceeded': ['Rate limit exceeded',
      'This window sent too many messages too quickly and was disconnected. Wait a moment before rejoining.'],
  };

  const CODES = {
    AUTH_FAILED: ['Sign-in failed', 'The server refused your token: it is invalid, expired or signed with another secret.'],
    DISPLAY_NAME_REQUIRED: ['Display name required', 'Enter a name (1–50 characters) so the others know who you are.'],
    INVALID_PAYLOAD: ['Request not accepted', 'The server could not accept that (a display name has at most 50 characters).'],
    GUESTS_NOT_ALLOWED: ['Guests not allowed', 'This server admits signed-in users only: paste a dev token to join.'],
    UNAVAILABLE: ['Service unavailable', 'The meeting service cannot take this right now. Try again in a moment.'],
    NOT_IN_ROOM: ['Not in the meeting', 'You are no longer seated in this meeting.'],
    TARGET_NOT_FOUND: ['Participant not found', 'That participant is no longer in the meeting.'],
    FORBIDDEN: ['Only the host can do that', 'Host controls are reserved for the meeting host.'],
    NOT_ALLOWED: ['Not allowed in this meeting', "The host's room settings do not allow that."],
    RATE_LIMITED: ['Slow down', 'Too many actions in a short time. Try again in a moment.'],
    JOIN_FAILED: ['Could not join', 'The meeting could not be joined.'],
    INTERNAL: ['Something went wrong', 'The server hit an unexpected error.'],
    TIMEOUT: ['No answer from the server', 'The request timed out. Check your connection and try again.'],
  };

  /** `{ title, text, detail }` for an error code (and the server's own message, shown as detail). */
  function explainCode(code, message) {
    if (code === 'JOIN_FAILED' && message) return explainJoin(message);
    const [title, text] = CODES[code] ?? ['Request refused', 'The server refused the request.'];
    const detail = message && message !== title ? (code === 'INTERNAL' ? `Reference: ${message}` : message) : '';
    return { title, text, detail, code };
  }

  function explainForceDisconnect(reason) {
    const [title, text] = FORCE_DISCONNECT[reason] ?? ['Disconnected by the server', reason || ''];
    return { title, text, code: 'FORCE_DISCONNECT' };
  }

  function explainJoin(message) {
    const text = JOIN_ERRORS[message];
    return text ? { title: message, text, code: 'JOIN_FAILED' } : { title: 'Could not join', text: message, code: 'JOIN_FAILED' };
  }

  // ---------------------------------------------------------------------------------------------
  // State

  const state = {
    phase: 'idle', // idle | connecting | waiting | joined
    connection: 'offline', // offline | connecting | connected | reconnecting
    wantRoom: false, // re-send join-room on every connect
    roomCode: '',
    roomId: null,
    isHost: false,
    myId: null,
    displayName: '',
    locked: false,
    settings: {},
    participants: new Map(), // socketId -> ParticipantInfo (everyone else)
    waiting: new Map(), // socketId -> ParticipantInfo (host only)
    messages: [],
    typing: new Map(), // socketId -> { name, timer }
    audioEnabled: false,
    videoEnabled: false,
    screenSharing: false,
    handRaised: false,
    sidebar: null, // null | 'chat' | 'people'
    unread: 0,
    lastError: null,
  };
  const peers = new Map(); // socketId -> peer (see createPeer)
  let token = ''; // kept in memory only, never stored
  let socket = null;
  let handlers = null;
  let localStream = null;
  let screenTrack = null;
  let joinAttempt = 0;
  let unavailableRetries = 0;
  let endedByMe = false;
  let typingSentAt = 0;
  let typingIdleTimer = null;

  const iceServers = new URLSearchParams(location.search).getAll('stun').map((urls) => ({ urls }));

  // ---------------------------------------------------------------------------------------------
  // DOM helpers

  const $ = (selector, root = document) => root.querySelector(selector);
  const byTest = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);
  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'title' || key === 'type') node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  };
  const icon = (name) => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
    use.setAttribute('href', `#i-${name}`);
    svg.append(use);
    return svg;
  };

  const ui = {
    form: byTest('join-form'),
    name: byTest('display-name'),
    code: byTest('room-code-input'),
    token: byTest('token-input'),
    authDetails: byTest('auth-details'),
    waitingRoomCreate: byTest('waiting-room-create'),
    joinButton: byTest('join-button'),
    banner: byTest('banner'),
    toasts: byTest('toasts'),
    status: byTest('connection-status'),
    roomInfo: byTest('room-info'),
    roomCode: byTest('room-code'),
    lockedBadge: byTest('locked-badge'),
    lobby: byTest('lobby'),
    waitingScreen: byTest('waiting-screen'),
    waitingText: byTest('waiting-text'),
    meeting: byTest('meeting'),
    stage: byTest('stage'),
    grid: byTest('video-grid'),
    sidebar: byTest('sidebar'),
    chatLog: byTest('chat-log'),
    chatForm: byTest('chat-form'),
    chatInput: byTest('chat-input'),
    typing: byTest('typing-indicator'),
    peopleList: byTest('people-list'),
    peopleCount: byTest('people-count'),
    waitingSection: byTest('waiting-section'),
    waitingList: byTest('waiting-list'),
    hostControls: byTest('host-controls'),
    lockButton: byTest('lock-button'),
    waitingToggle: byTest('waiting-room-toggle'),
    endButton: byTest('end-button'),
    mic: byTest('mic-button'),
    camera: byTest('camera-button'),
    screen: byTest('screen-button'),
    hand: byTest('hand-button'),
    chat: byTest('chat-button'),
    people: byTest('people-button'),
    chatUnread: byTest('chat-unread'),
    waitingBadge: byTest('waiting-badge'),
    tileTemplate: $('#tile-template'),
  };
  const tiles = new Map(); // 'local' | socketId -> tile element

  // ---------------------------------------------------------------------------------------------
  // Messages to the user: toasts (in the meeting) and the lobby banner (after being sent back)

  const toastsByKey = new Map();

  function toast({ title, text = '', detail = '', kind = 'info', code, actions = [], key, timeoutMs }) {
    if (key) dismissToast(key);
    const node = el('div', { class: `toast ${kind}`, 'data-testid': 'toast', 'data-kind': kind, role: kind === 'error' ? 'alert' : 'status' });
    if (code) node.dataset.code = code;
    const body = el('div', { class: 'toast-body' }, el('strong', { text: title }));
    if (text) body.append(el('span', { text }));
    if (detail) body.append(el('small', { text: detail }));
    if (actions.length) {
      const row = el('div', { class: 'toast-actions' });
      for (const action of actions) {
        const button = el('button', { type: 'button', class: `btn tiny ${action.kind ?? 'secondary'}`, text: action.label, 'data-testid': action.testid ?? 'toast-action' });
        button.addEventListener('click', () => {
          close();
          action.onClick();
        });
        row.append(button);
      }
      body.append(row);
    }
    const closeButton = el('button', { type: 'button', class: 'icon-btn small', 'aria-label': 'Dismiss', 'data-testid': 'toast-dismiss' }, icon('close'));
    node.append(body, closeButton);
    let timer = null;
    const close = () => {
      clearTimeout(timer);
      node.remove();
      if (key && toastsByKey.get(key) === close) toastsByKey.delete(key);
    };
    closeButton.addEventListener('click', close);
    const ms = timeoutMs ?? (actions.length ? 0 : kind === 'error' ? 10000 : 5000);
    if (ms > 0) timer = setTimeout(close, ms);
    ui.toasts.append(node);
    while (ui.toasts.children.length > 4) ui.toasts.firstElementChild.remove();
    if (key) toastsByKey.set(key, close);
    return close;
  }

  function dismissToast(key) {
    toastsByKey.get(key)?.();
  }

  function showError(explained, kind = 'error') {
    state.lastError = { ...explained };
    toast({ ...explained, kind });
  }

  function showBanner({ title, text = '', detail = '', code }, kind = 'error') {
    state.lastError = { title, text, detail, code };
    ui.banner.hidden = false;
    ui.banner.dataset.kind = kind;
    ui.banner.dataset.code = code ?? '';
    $('.banner-title', ui.banner).textContent = title;
    $('.banner-text', ui.banner).textContent = [text, detail].filter(Boolean).join(' ');
  }

  function hideBanner() {
    ui.banner.hidden = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  function setPhase(phase) {
    state.phase = phase;
    document.body.dataset.view = phase === 'joined' ? 'meeting' : phase === 'waiting' ? 'waiting' : 'lobby';
    document.body.dataset.phase = phase;
    ui.lobby.hidden = phase === 'joined' || phase === 'waiting';
    ui.waitingScreen.hidden = phase !== 'waiting';
    ui.meeting.hidden = phase !== 'joined';
    ui.roomInfo.hidden = phase !== 'joined';
    // while connecting, the join button cancels (the server may be unreachable for a while)
    ui.joinButton.textContent = phase === 'connecting' ? 'Cancel' : 'Join';
    ui.joinButton.classList.toggle('primary', phase !== 'connecting');
    ui.joinButton.classList.toggle('secondary', phase === 'connecting');
    for (const input of [ui.name, ui.code, ui.token]) input.disabled = phase === 'connecting';
    if (phase === 'joined') requestAnimationFrame(layoutGrid);
  }

  function setConnection(connection) {
    state.connection = connection;
    ui.status.dataset.status = connection;
    ui.status.textContent = {
      offline: 'Offline',
      connecting: 'Connecting…',
      connected: 'Connected',
      reconnecting: 'Reconnecting…',
    }[connection];
  }

  // ---------------------------------------------------------------------------------------------
  // Socket: connect, join, re-join on every connect, leave

  function request(event, payload, timeoutMs = ACK_TIMEOUT_MS) {
    if (!socket) return Promise.resolve(null);
    return socket
      .timeout(timeoutMs)
      .emitWithAck(event, payload)
      .then((answer) => {
        if (answer && answer.success) return answer;
        if (event !== 'join-room') showError(explainCode(answer?.code, answer?.error));
        return null;
      })
      .catch(() => {
        showError(explainCode('TIMEOUT'));
        return null;
      });
  }

  /** WebRTC relays: acknowledged, failures only logged (a peer may simply have left meanwhile). */
  function relay(event, payload) {
    if (!socket?.connected) return;
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck(event, payload)
      .then((answer) => {
        if (!answer?.success) console.warn(`${event} to ${payload.targetId} refused:`, answer?.code, answer?.error);
      })
      .catch(() => console.warn(`${event} to ${payload.targetId}: no answer`));
  }

  async function onJoinSubmit(event) {
    event.preventDefault();
    if (state.phase === 'connecting') {
      leaveToLobby(null);
      return;
    }
    if (state.phase !== 'idle') return;
    hideBanner();
    const displayName = ui.name.value.trim();
    const roomCode = ui.code.value.trim();
    token = ui.token.value.trim();
    if (!roomCode) {
      showBanner({ title: 'Room code required', text: 'Enter the code of the meeting you want to join, or create a room.' }, 'info');
      ui.code.focus();
      return;
    }
    if (!displayName && !token) {
      showBanner({ ...explainCode('DISPLAY_NAME_REQUIRED') });
      ui.name.focus();
      return;
    }
    try {
      localStorage.setItem('demo.displayName', displayName);
    } catch {
      // storage may be unavailable; the name is a convenience only
    }
    state.displayName = displayName;
    state.roomCode = roomCode;
    endedByMe = false;
    unavailableRetries = 0;
    setPhase('connecting');
    await startLocalMedia();
    if (state.phase !== 'connecting') {
      stopLocalMedia(); // cancelled while the browser asked for the camera
      return;
    }
    connect(displayName);
  }

  function connect(displayName) {
    const auth = {};
    if (token) auth.token = token;
    if (displayName) auth.displayName = displayName;
    state.wantRoom = true;
    setConnection('connecting');
    socket = io(location.origin, {
      auth,
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    handlers = {
      connect: onConnect,
      disconnect: onDisconnect,
      connect_error: onConnectError,
      'room-joined': onRoomJoined,
      'join-error': onJoinError,
      'waiting-for-host': onWaitingForHost,
      'user-joined': onUserJoined,
      'user-left': onUserLeft,
      offer: onOffer,
      answer: onAnswer,
      'ice-candidate': onIceCandidate,
      'user-toggle-audio': ({ socketId, enabled }) => updateParticipant(socketId, { isMuted: !enabled }),
      'user-toggle-video': ({ socketId, enabled }) => updateParticipant(socketId, { isVideoOff: !enabled }),
      'screen-share-started': ({ socketId }) => updateParticipant(socketId, { isScreenSharing: true }),
      'screen-share-stopped': ({ socketId }) => updateParticipant(socketId, { isScreenSharing: false }),
      'user-hand-raised': onHandRaised,
      'user-hand-lowered': ({ socketId }) => updateParticipant(socketId, { isHandRaised: false }),
      'chat-message': onChatMessage,
      'user-typing': onUserTyping,
      'participant-waiting': onParticipantWaiting,
      'participant-waiting-cancelled': onParticipantWaitingCancelled,
      'room-locked': onRoomLocked,
      'room-settings-updated': ({ settings }) => applySettings(settings, true),
      'force-mute': onForceMute,
      'force-disconnect': onForceDisconnect,
      error: ({ code, message }) => showError(explainCode(code, message)),
    };
    for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler);
  }

  function onConnect() {
    const wasReconnecting = state.connection === 'reconnecting';
    setConnection('connected');
    unavailableRetries = 0;
    if (wasReconnecting && state.phase === 'joined') {
      toast({ title: 'Reconnected', text: socket.recovered ? 'Your session was restored.' : 'Rejoining the meeting…', key: 'connection' });
    }
    // Re-send join-room on every connect while the user wants to be in the room: if the session
    // was recovered the server answers room-joined without side effects, otherwise this seats us anew.
    if (state.wantRoom) sendJoin();
  }

  async function sendJoin() {
    const attempt = ++joinAttempt;
    const payload = { roomCode: state.roomCode };
    if (state.displayName) payload.displayName = state.displayName;
    let answer;
    try {
      answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join-room', payload);
    } catch {
      if (attempt !== joinAttempt || !state.wantRoom) return;
      if (state.phase === 'joined') showError(explainCode('TIMEOUT'));
      else leaveToLobby(explainCode('TIMEOUT'));
      return;
    }
    // the outcome is handled by the room-joined / waiting-for-host / join-error events
    if (answer && !answer.success) console.info('join-room refused:', answer.error);
  }

  function onRoomJoined(data) {
    if (!state.wantRoom) return;
    const firstSeat = state.phase !== 'joined' || state.myId !== socket.id;
    if (state.myId && state.myId !== socket.id) {
      // a new session (not recovered): every peer connection belonged to the old socket id
      for (const id of [...peers.keys()]) closePeer(id);
    }
    state.myId = socket.id;
    state.roomId = data.roomId;
    state.roomCode = data.roomCode;
    state.isHost = Boolean(data.isHost);
    document.body.dataset.host = String(state.isHost);
    applySettings(data.settings ?? {}, false);

    const present = new Set((data.participants ?? []).map((p) => p.socketId));
    for (const id of [...state.participants.keys()]) if (!present.has(id)) removeParticipant(id);
    for (const participant of data.participants ?? []) upsertParticipant(participant);

    state.waiting.clear();
    for (const participant of data.waiting ?? []) state.waiting.set(participant.socketId, participant);

    for (const message of data.messages ?? []) addMessage(message, false);

    setPhase('joined');
    ui.roomCode.textContent = state.roomCode;
    const url = new URL(location.href);
    url.searchParams.set('room', state.roomCode);
    history.replaceState(null, '', url);
    ensureLocalTile();
    renderAll();
    fetchRoomInfo();

    if (firstSeat) announceMyState();
    // the newcomer offers to everyone already there; the others wait for its offer
    for (const participant of data.participants ?? []) {
      if (!peers.has(participant.socketId)) createPeer(participant.socketId, { initiator: true });
    }
  }

  /** Tells the room what this client really sends (participants start unmuted, camera on). */
  function announceMyState() {
    const roomId = state.roomId;
    request('toggle-audio', { roomId, enabled: state.audioEnabled });
    request('toggle-video', { roomId, enabled: state.videoEnabled });
    if (state.screenSharing) request('start-screen-share', { roomId });
    if (state.handRaised) request('toggle-hand-raise', { roomId, raised: true });
  }

  async function fetchRoomInfo() {
    try {
      const response = await fetch(`/api/rooms/code/${encodeURIComponent(state.roomCode)}`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) return;
      const room = await response.json();
      setLocked(Boolean(room.isLocked));
    } catch {
      // the lock badge is informative only
    }
  }

  function onJoinError({ message }) {
    leaveToLobby(explainJoin(message));
  }

  function onWaitingForHost({ roomId }) {
    state.roomId = roomId;
    setPhase('waiting');
    ui.waitingText.textContent = `You asked to join ${state.roomCode}. The host will let you in soon.`;
  }

  function onForceDisconnect({ reason }) {
    if (endedByMe && reason === 'Meeting ended by host') {
      leaveToLobby({ title: 'Meeting ended', text: 'You ended the meeting for everyone.' }, 'info');
      return;
    }
    leaveToLobby(explainForceDisconnect(reason));
  }

  function onConnectError(error) {
    const code = error?.data?.code ?? error?.message;
    if (code === 'UNAVAILABLE' && state.wantRoom && unavailableRetries < UNAVAILABLE_RETRIES) {
      // a refused handshake is not retried by socket.io-client itself
      unavailableRetries += 1;
      setConnection('reconnecting');
      toast({ ...explainCode('UNAVAILABLE'), text: 'The server is busy or restarting. Retrying…', kind: 'warn', key: 'connection' });
      const delay = Math.min(1000 * 2 ** unavailableRetries, 5000);
      setTimeout(() => {
        if (socket && state.wantRoom && !socket.connected) socket.connect();
      }, delay);
      return;
    }
    if (CODES[code] && !socket?.active) {
      leaveToLobby({ ...explainCode(code, error?.data?.message) });
      return;
    }
    // a transport problem: socket.io-client keeps retrying with its backoff
    setConnection('reconnecting');
    if (state.phase === 'connecting') {
      toast({ title: 'Cannot reach the server', text: 'Retrying…', kind: 'warn', key: 'connection' });
    }
  }

  function onDisconnect(reason) {
    if (reason === 'io client disconnect') return;
    if (reason === 'io server disconnect') {
      // the server ended this session on purpose (force-disconnect usually came first)
      if (state.wantRoom) leaveToLobby({ title: 'Disconnected by the server', text: 'The server closed this session.' });
      return;
    }
    setConnection('reconnecting');
    if (state.phase === 'joined') {
      toast({ title: 'Connection lost', text: 'Reconnecting…', kind: 'warn', key: 'connection', timeoutMs: 0 });
    }
  }

  async function leave() {
    if (state.phase === 'idle') return;
    const roomId = state.roomId;
    const current = socket;
    state.wantRoom = false;
    if (current?.connected && roomId) {
      await current.timeout(LEAVE_TIMEOUT_MS).emitWithAck('leave-room', { roomId }).catch(() => null);
    }
    leaveToLobby({ title: 'You left the meeting', text: state.roomCode ? `Room ${state.roomCode}` : '' }, 'info');
  }

  /** Ends the session on this page: no reconnection into the room, listeners removed, media stopped. */
  function leaveToLobby(message, kind = 'error') {
    state.wantRoom = false;
    joinAttempt += 1;
    if (socket) {
      for (const [event, handler] of Object.entries(handlers ?? {})) socket.off(event, handler);
      socket.disconnect();
      socket = null;
      handlers = null;
    }
    stopTypingTimer();
    for (const id of [...peers.keys()]) closePeer(id);
    for (const { timer } of state.typing.values()) clearTimeout(timer);
    state.typing.clear();
    state.participants.clear();
    state.waiting.clear();
    state.messages = [];
    ui.chatLog.replaceChildren();
    for (const key of [...toastsByKey.keys()]) if (key.startsWith('waiting:') || key === 'connection') dismissToast(key);
    for (const tile of tiles.values()) tile.remove();
    tiles.clear();
    stopLocalMedia();
    Object.assign(state, {
      roomId: null, isHost: false, myId: null, locked: false, settings: {}, screenSharing: false,
      handRaised: false, unread: 0,
    });
    setSidebar(null);
    document.body.dataset.host = 'false';
    setConnection('offline');
    setPhase('idle');
    renderAll();
    if (message) showBanner(message, kind);
  }

  // ---------------------------------------------------------------------------------------------
  // Participants

  function upsertParticipant(info) {
    const current = state.participants.get(info.socketId) ?? {};
    state.participants.set(info.socketId, { ...current, ...info });
    renderParticipant(info.socketId);
  }

  function updateParticipant(socketId, changes) {
    if (socketId === state.myId) {
      if ('isMuted' in changes && changes.isMuted && state.audioEnabled) setLocalAudio(false);
      return;
    }
    const participant = state.participants.get(socketId);
    if (!participant) return;
    Object.assign(participant, changes);
    renderParticipant(socketId);
    renderPeople();
  }

  function removeParticipant(socketId) {
    closePeer(socketId);
    state.participants.delete(socketId);
    const typing = state.typing.get(socketId);
    if (typing) clearTimeout(typing.timer);
    state.typing.delete(socketId);
    tiles.get(socketId)?.remove();
    tiles.delete(socketId);
    renderTyping();
    renderPeople();
    layoutGrid();
  }

  function onUserJoined({ participant }) {
    const known = state.participants.has(participant.socketId);
    upsertParticipant(participant);
    state.waiting.delete(participant.socketId);
    dismissToast(`waiting:${participant.socketId}`);
    renderPeople();
    layoutGrid();
    if (!known) toast({ title: `${participant.displayName} joined` });
  }

  function onUserLeft({ socketId, reason }) {
    const participant = state.participants.get(socketId);
    removeParticipant(socketId);
    if (!participant) return;
    const why = { removed: 'was removed by the host', 'node-lost': 'lost their connection', replaced: 'rejoined from another device' }[reason] ?? 'left';
    toast({ title: `${participant.displayName} ${why}` });
  }

  function onHandRaised({ socketId, displayName }) {
    updateParticipant(socketId, { isHandRaised: true });
    if (socketId !== state.myId) toast({ title: `${displayName} raised their hand` });
  }

  function onRoomLocked({ locked }) {
    setLocked(locked);
    toast({ title: locked ? 'The host locked the meeting' : 'The host unlocked the meeting', text: locked ? 'Nobody else can join.' : '' });
  }

  function setLocked(locked) {
    state.locked = locked;
    ui.lockedBadge.hidden = !locked;
    ui.lockButton.textContent = locked ? 'Unlock meeting' : 'Lock meeting';
    ui.lockButton.setAttribute('aria-pressed', String(locked));
  }

  function applySettings(settings, announce) {
    const before = state.settings;
    state.settings = { ...settings };
    ui.waitingToggle.checked = Boolean(settings.waitingRoom);
    if (announce && !state.isHost) {
      if (before.allowChat !== settings.allowChat) toast({ title: settings.allowChat ? 'Chat is on' : 'The host turned chat off' });
      if (before.allowScreenShare !== settings.allowScreenShare) toast({ title: settings.allowScreenShare ? 'Screen sharing is allowed' : 'The host turned screen sharing off' });
    }
    renderControls();
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting room (host)

  function onParticipantWaiting({ participant }) {
    state.waiting.set(participant.socketId, participant);
    renderPeople();
    toast({
      title: `${participant.displayName} is waiting to join`,
      key: `waiting:${participant.socketId}`,
      actions: [
        { label: 'Admit', kind: 'primary', testid: 'toast-admit', onClick: () => admit(participant.socketId) },
        { label: 'Deny', testid: 'toast-deny', onClick: () => deny(participant.socketId) },
      ],
    });
  }

  function onParticipantWaitingCancelled({ socketId }) {
    state.waiting.delete(socketId);
    dismissToast(`waiting:${socketId}`);
    renderPeople();
  }

  async function admit(socketId) {
    dismissToast(`waiting:${socketId}`);
    if (await request('admit-participant', { roomId: state.roomId, participantId: socketId })) {
      state.waiting.delete(socketId);
      renderPeople();
    }
  }

  async function deny(socketId) {
    dismissToast(`waiting:${socketId}`);
    if (await request('deny-participant', { roomId: state.roomId, participantId: socketId })) {
      state.waiting.delete(socketId);
      renderPeople();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Host controls

  async function hostMute(socketId) {
    const participant = state.participants.get(socketId);
    if (await request('mute-participant', { roomId: state.roomId, participantId: socketId })) {
      toast({ title: `You muted ${participant?.displayName ?? 'a participant'}` });
    }
  }

  async function hostRemove(socketId) {
    await request('remove-participant', { roomId: state.roomId, participantId: socketId });
  }

  async function toggleLock() {
    const locked = !state.locked;
    if (await request('lock-room', { roomId: state.roomId, locked })) {
      setLocked(locked);
      toast({ title: locked ? 'Meeting locked' : 'Meeting unlocked', text: locked ? 'Nobody else can join.' : 'People can join again.' });
    }
  }

  let endArmed = null;
  async function endMeeting() {
    if (!endArmed) {
      ui.endButton.textContent = 'Click again to end for everyone';
      ui.endButton.classList.add('armed');
      endArmed = setTimeout(disarmEnd, 4000);
      return;
    }
    disarmEnd();
    endedByMe = true;
    if (await request('end-room', { roomId: state.roomId })) {
      leaveToLobby({ title: 'Meeting ended', text: 'You ended the meeting for everyone.' }, 'info');
    } else {
      endedByMe = false;
    }
  }

  function disarmEnd() {
    clearTimeout(endArmed);
    endArmed = null;
    ui.endButton.textContent = 'End meeting for everyone';
    ui.endButton.classList.remove('armed');
  }

  async function toggleWaitingRoom() {
    const waitingRoom = ui.waitingToggle.checked;
    ui.waitingToggle.disabled = true; // until the server answers
    const response = await restCall('PATCH', `/api/rooms/${encodeURIComponent(state.roomId)}/settings`, { waitingRoom });
    ui.waitingToggle.disabled = false;
    if (!response) {
      ui.waitingToggle.checked = Boolean(state.settings.waitingRoom);
    } else {
      applySettings(response.settings ?? { ...state.settings, waitingRoom }, false);
      toast({ title: waitingRoom ? 'Waiting room on' : 'Waiting room off', text: waitingRoom ? 'You admit new joiners yourself.' : 'New joiners come straight in.' });
    }
  }

  /** A REST call with the dev token; resolves with the JSON body, or null after showing the error. */
  async function restCall(method, path, body) {
    if (!token) {
      showError({ title: 'Dev token required', text: 'Paste a dev token to manage rooms.' });
      return null;
    }
    try {
      const response = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(ACK_TIMEOUT_MS),
      });
      const json = await response.json().catch(() => null);
      if (response.ok) return json ?? {};
      const code = json?.error?.code ?? (response.status === 429 ? 'RATE_LIMITED' : 'INTERNAL');
      const explained = explainCode(code, json?.error?.message);
      if (code === 'AUTH_FAILED') explained.text = 'The server refused your token: it is invalid, expired or signed with another secret.';
      if (code === 'ROOM_NOT_FOUND') Object.assign(explained, { title: 'Room not found', text: json?.error?.message ?? '' });
      return state.phase === 'joined' ? (showError(explained), null) : (showBanner(explained), null);
    } catch {
      const explained = explainCode('TIMEOUT');
      if (state.phase === 'joined') showError(explained);
      else showBanner(explained);
      return null;
    }
  }

  async function createRoom() {
    hideBanner();
    token = ui.token.value.trim();
    if (!token) {
      showBanner({ title: 'Dev token required', text: 'Only signed-in users can create rooms: paste a dev token first.' }, 'info');
      ui.token.focus();
      return;
    }
    const body = { waitingRoom: ui.waitingRoomCreate.checked };
    const name = ui.name.value.trim();
    if (name) body.name = `${name}'s meeting`.slice(0, 100);
    const room = await restCall('POST', '/api/rooms', body);
    if (!room) return;
    ui.code.value = room.code;
    showBanner({ title: `Room ${room.code} created`, text: 'You are its host. Press Join to start the meeting.' }, 'success');
  }

  // ---------------------------------------------------------------------------------------------
  // Local media

  async function startLocalMedia() {
    if (localStream) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      localStream = new MediaStream();
      toast({ title: 'Camera and microphone unavailable', text: 'Browsers allow them only on https:// or localhost pages. You can still chat and watch.', kind: 'warn' });
    } else {
      try {
        localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: VIDEO_CONSTRAINTS });
      } catch (videoError) {
        try {
          localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
          toast({ title: 'Camera unavailable', text: 'Joining with audio only.', detail: videoError.message, kind: 'warn' });
        } catch (audioError) {
          localStream = new MediaStream();
          toast({ title: 'No camera or microphone', text: 'Joining without sending media. You can still watch and chat.', detail: audioError.message, kind: 'warn' });
        }
      }
    }
    state.audioEnabled = Boolean(audioTrack());
    state.videoEnabled = Boolean(cameraTrack());
  }

  function stopLocalMedia() {
    screenTrack?.stop();
    screenTrack = null;
    for (const track of localStream?.getTracks() ?? []) track.stop();
    localStream = null;
    state.audioEnabled = false;
    state.videoEnabled = false;
  }

  const audioTrack = () => localStream?.getAudioTracks()[0] ?? null;
  const cameraTrack = () => localStream?.getVideoTracks()[0] ?? null;
  const outgoingVideo = () => screenTrack ?? cameraTrack();

  function setLocalAudio(enabled) {
    const track = audioTrack();
    if (track) track.enabled = enabled;
    state.audioEnabled = enabled && Boolean(track);
    renderLocal();
    renderControls();
  }

  async function toggleMic() {
    if (!audioTrack()) {
      toast({ title: 'No microphone', text: 'No microphone was available when you joined.', kind: 'warn' });
      return;
    }
    const enabled = !state.audioEnabled;
    if (!enabled) setLocalAudio(false); // mute at once; the server is told after
    const answer = await request('toggle-audio', { roomId: state.roomId, enabled });
    if (enabled && answer) setLocalAudio(true);
  }

  async function toggleCamera() {
    const track = cameraTrack();
    if (!track) {
      toast({ title: 'No camera', text: 'No camera was available when you joined.', kind: 'warn' });
      return;
    }
    const enabled = !state.videoEnabled;
    if (!enabled) {
      track.enabled = false;
      state.videoEnabled = false;
      renderLocal();
      renderControls();
    }
    const answer = await request('toggle-video', { roomId: state.roomId, enabled });
    if (enabled && answer) {
      track.enabled = true;
      state.videoEnabled = true;
      renderLocal();
      renderControls();
    }
  }

  async function toggleScreenShare() {
    if (state.screenSharing) {
      await stopScreenShare();
      return;
    }
    if (!navigator.mediaDevices?.getDisplayMedia) {
      showError({ title: 'Screen sharing unavailable', text: 'This browser cannot share the screen from this page.' });
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      if (error.name === 'NotAllowedError') toast({ title: 'Screen sharing cancelled' });
      else showError({ title: 'Could not share the screen', text: error.message });
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track || !state.roomId) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    if (!(await request('start-screen-share', { roomId: state.roomId }))) {
      track.stop();
      return;
    }
    screenTrack = track;
    track.contentHint = 'detail';
    track.addEventListener('ended', () => stopScreenShare());
    state.screenSharing = true;
    await replaceOutgoingVideo(track);
    renderLocal();
    renderControls();
  }

  async function stopScreenShare() {
    if (!state.screenSharing) return;
    state.screenSharing = false;
    const track = screenTrack;
    screenTrack = null;
    track?.stop();
    await replaceOutgoingVideo(cameraTrack());
    renderLocal();
    renderControls();
    await request('stop-screen-share', { roomId: state.roomId });
  }

  async function replaceOutgoingVideo(track) {
    await Promise.all([...peers.values()].map(async (peer) => {
      const transceiver = peer.pc.getTransceivers().find((t) => !t.stopped && t.receiver.track?.kind === 'video');
      if (!transceiver) {
        if (track) peer.pc.addTrack(track, localStream);
        return;
      }
      await transceiver.sender.replaceTrack(track).catch((error) => console.warn('replaceTrack', error));
      if (track && (transceiver.direction === 'recvonly' || transceiver.direction === 'inactive')) {
        transceiver.direction = transceiver.direction === 'recvonly' ? 'sendrecv' : 'sendonly'; // renegotiates
      }
    }));
  }

  async function toggleHand() {
    const raised = !state.handRaised;
    if (await request('toggle-hand-raise', { roomId: state.roomId, raised })) {
      state.handRaised = raised;
      renderLocal();
      renderControls();
    }
  }

  function onForceMute() {
    setLocalAudio(false);
    toast({ title: 'The host muted you', text: 'Unmute when you want to speak.', kind: 'warn' });
  }

  // ---------------------------------------------------------------------------------------------
  // WebRTC mesh with perfect negotiation: the newcomer offers; on glare the peer with the larger
  // socket id is polite and yields.

  function createPeer(remoteId, { initiator }) {
    const pc = new RTCPeerConnection({ iceServers });
    const peer = {
      id: remoteId,
      pc,
      polite: state.myId > remoteId,
      makingOffer: false,
      ignoreOffer: false,
      queue: Promise.resolve(),
      stream: new MediaStream(),
      channel: null,
      p2pOpen: false,
      p2pReceived: [],
      pings: new Map(),
    };
    peers.set(remoteId, peer);

    // tracks added before an offer arrives are matched to its m-lines; an offerer without a camera or
    // microphone still asks to receive them
    const audio = audioTrack();
    const video = outgoingVideo();
    if (audio) pc.addTrack(audio, localStream);
    else if (initiator) pc.addTransceiver('audio', { direction: 'recvonly' });
    if (video) pc.addTrack(video, localStream);
    else if (initiator) pc.addTransceiver('video', { direction: 'recvonly' });

    // both sides create the same negotiated channel, so neither depends on who offered
    setupChannel(peer, pc.createDataChannel(DATA_CHANNEL, { negotiated: true, id: 0 }));

    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        sendDescription(peer);
      } catch (error) {
        console.warn('negotiation with', remoteId, error);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) relay('ice-candidate', { targetId: remoteId, candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track }) => {
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      track.addEventListener('unmute', () => renderParticipant(remoteId));
      track.addEventListener('mute', () => renderParticipant(remoteId));
      renderParticipant(remoteId);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') pc.restartIce();
      renderParticipant(remoteId);
    };
    renderParticipant(remoteId);
    return peer;
  }

  /** Creates a peer connection answering one that the remote side offered (it joined after us). */
  function answeringPeer(remoteId) {
    return peers.get(remoteId) ?? createPeer(remoteId, { initiator: false });
  }

  function sendDescription(peer) {
    const { type, sdp } = peer.pc.localDescription;
    relay(type === 'offer' ? 'offer' : 'answer', { targetId: peer.id, sdp: { type, sdp } });
  }

  function enqueue(peer, task) {
    peer.queue = peer.queue.then(task).catch((error) => console.warn('signal from', peer.id, error));
  }

  function onOffer({ senderId, userId, displayName, sdp }) {
    if (!state.participants.has(senderId)) {
      // the offer may overtake user-joined (they travel on different channels)
      upsertParticipant({ socketId: senderId, userId, displayName, isHost: false, isMuted: false, isVideoOff: false, isScreenSharing: false, isHandRaised: false });
      renderPeople();
      layoutGrid();
    }
    const peer = answeringPeer(senderId);
    enqueue(peer, () => onDescription(peer, sdp));
  }

  function onAnswer({ senderId, sdp }) {
    const peer = peers.get(senderId);
    if (peer) enqueue(peer, () => onDescription(peer, sdp));
  }

  function onIceCandidate({ senderId, candidate }) {
    const peer = peers.get(senderId);
    if (!peer) return;
    enqueue(peer, async () => {
      try {
        await peer.pc.addIceCandidate(candidate);
      } catch (error) {
        if (!peer.ignoreOffer) throw error;
      }
    });
  }

  async function onDescription(peer, description) {
    const { pc } = peer;
    const collision = description.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return;
    await pc.setRemoteDescription(description); // rolls back our own offer when polite
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      sendDescription(peer);
    }
  }

  function setupChannel(peer, channel) {
    peer.channel = channel;
    channel.onopen = () => {
      peer.p2pOpen = true;
      channel.send(JSON.stringify({ type: 'hello', from: state.myId, name: state.displayName }));
      renderParticipant(peer.id);
    };
    channel.onclose = () => {
      peer.p2pOpen = false;
      renderParticipant(peer.id);
    };
    channel.onmessage = ({ data }) => {
      let message;
      try {
        message = JSON.parse(data);
      } catch {
        return;
      }
      peer.p2pReceived.push(message);
      if (peer.p2pReceived.length > 50) peer.p2pReceived.shift();
      if (message.type === 'ping') channel.send(JSON.stringify({ type: 'pong', nonce: message.nonce }));
      if (message.type === 'pong') peer.pings.get(message.nonce)?.();
      renderParticipant(peer.id);
    };
  }

  /** Round trip over the peer's data channel; resolves with the time in ms (a test hook). */
  function p2pPing(remoteId, timeoutMs = 5000) {
    const peer = peers.get(remoteId);
    if (!peer?.p2pOpen) return Promise.reject(new Error(`no open data channel to ${remoteId}`));
    const nonce = Math.random().toString(36).slice(2);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        peer.pings.delete(nonce);
        reject(new Error('no pong'));
      }, timeoutMs);
      peer.pings.set(nonce, () => {
        clearTimeout(timer);
        peer.pings.delete(nonce);
        resolve(performance.now() - started);
      });
      peer.channel.send(JSON.stringify({ type: 'ping', nonce }));
    });
  }

  function closePeer(remoteId) {
    const peer = peers.get(remoteId);
    if (!peer) return;
    peers.delete(remoteId);
    peer.channel?.close();
    peer.pc.onnegotiationneeded = peer.pc.onicecandidate = peer.pc.ontrack = peer.pc.onconnectionstatechange = null;
    peer.pc.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Chat and typing

  function addMessage(message, live) {
    if (state.messages.some((m) => m.id === message.id)) return;
    state.messages.push(message);
    const own = message.senderId === state.myId;
    const time = new Date(message.timestamp);
    const item = el('li', { class: `msg${own ? ' own' : ''}${message.type === 'SYSTEM' ? ' system' : ''}`, 'data-testid': 'chat-message' },
      el('div', { class: 'msg-head' },
        el('span', { class: 'sender', text: own ? 'You' : message.senderName }),
        el('time', { text: Number.isNaN(time.getTime()) ? '' : time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) })),
      el('p', { class: 'content', text: message.content }));
    const nearBottom = ui.chatLog.scrollHeight - ui.chatLog.scrollTop - ui.chatLog.clientHeight < 60;
    ui.chatLog.append(item);
    if (nearBottom || own) ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
    if (live && !own && state.sidebar !== 'chat') {
      state.unread += 1;
      renderControls();
    }
  }

  function onChatMessage(message) {
    addMessage(message, true);
  }

  async function sendChat(event) {
    event.preventDefault();
    const content = ui.chatInput.value.trim();
    if (!content) return;
    ui.chatInput.value = '';
    stopTyping();
    const answer = await request('chat-message', { roomId: state.roomId, content });
    if (!answer && !ui.chatInput.value) ui.chatInput.value = content; // keep the text to retry
    else if (answer?.message) addMessage(answer.message, false);
  }

  function onChatInput() {
    if (!ui.chatInput.value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - typingSentAt > TYPING_REFRESH_MS) {
      typingSentAt = now;
      socket?.emit('typing-start', { roomId: state.roomId });
    }
    clearTimeout(typingIdleTimer);
    typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingIdleTimer);
    if (typingSentAt && socket?.connected) socket.emit('typing-stop', { roomId: state.roomId });
    typingSentAt = 0;
  }

  function stopTypingTimer() {
    clearTimeout(typingIdleTimer);
    typingSentAt = 0;
  }

  function onUserTyping({ socketId, displayName, isTyping }) {
    const previous = state.typing.get(socketId);
    if (previous) clearTimeout(previous.timer);
    if (isTyping) {
      const timer = setTimeout(() => {
        state.typing.delete(socketId);
        renderTyping();
      }, TYPING_LAPSE_MS);
      state.typing.set(socketId, { name: displayName, timer });
    } else {
      state.typing.delete(socketId);
    }
    renderTyping();
  }

  function renderTyping() {
    const names = [...state.typing.values()].map((t) => t.name);
    ui.typing.textContent =
      names.length === 0 ? '' :
        names.length === 1 ? `${names[0]} is typing…` :
          names.length === 2 ? `${names[0]} and ${names[1]} are typing…` :
            `${names.length} people are typing…`;
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  function newTile(key) {
    const tile = ui.tileTemplate.content.firstElementChild.cloneNode(true);
    tile.dataset.socketId = key;
    tiles.set(key, tile);
    ui.grid.append(tile);
    return tile;
  }

  function initials(name) {
    const parts = String(name || '?').trim().split(/\s+/).slice(0, 2);
    return parts.map((p) => p[0]?.toUpperCase() ?? '').join('') || '?';
  }

  function ensureLocalTile() {
    if (!tiles.has('local')) {
      const tile = newTile('local');
      tile.classList.add('local');
      tile.dataset.testid = 'tile-local';
      $('video', tile).muted = true;
      ui.grid.prepend(tile);
    }
    renderLocal();
  }

  function renderLocal() {
    const tile = tiles.get('local');
    if (!tile) return;
    tile.dataset.socketId = state.myId ?? 'local';
    const video = $('video', tile);
    const showing = screenTrack ?? (state.videoEnabled ? cameraTrack() : null);
    if (showing) {
      if (video.srcObject?.getVideoTracks()[0] !== showing) video.srcObject = new MediaStream([showing]);
    } else if (video.srcObject) {
      video.srcObject = null;
    }
    setTileState(tile, {
      name: `${state.displayName || 'You'} (you)`,
      isHost: state.isHost,
      isMuted: !state.audioEnabled,
      isVideoOff: !showing,
      isScreenSharing: state.screenSharing,
      isHandRaised: state.handRaised,
    });
    tile.classList.toggle('mirrored', !screenTrack);
    renderPeople();
  }

  function renderParticipant(socketId) {
    const participant = state.participants.get(socketId);
    if (!participant) return;
    const tile = tiles.get(socketId) ?? newTile(socketId);
    const peer = peers.get(socketId);
    const video = $('video', tile);
    if (peer && video.srcObject !== peer.stream) video.srcObject = peer.stream;
    const remoteVideo = peer?.stream.getVideoTracks().find((t) => t.readyState === 'live' && !t.muted);
    tile.dataset.conn = peer?.pc.connectionState ?? 'waiting';
    tile.dataset.p2p = peer?.p2pOpen ? 'open' : 'closed';
    $('.p2p', tile).title = peer ? `Direct connection: ${peer.pc.connectionState}${peer.p2pOpen ? ', data channel open' : ''}` : 'Connecting…';
    setTileState(tile, {
      name: participant.displayName,
      isHost: participant.isHost,
      isMuted: participant.isMuted,
      isVideoOff: !remoteVideo || (participant.isVideoOff && !participant.isScreenSharing),
      isScreenSharing: participant.isScreenSharing,
      isHandRaised: participant.isHandRaised,
    });
    tile.dataset.cameraOff = String(Boolean(participant.isVideoOff));
    if (!tile.dataset.bound) {
      tile.dataset.bound = 'true';
      $('[data-action="host-mute"]', tile).addEventListener('click', () => hostMute(socketId));
      $('[data-action="host-remove"]', tile).addEventListener('click', () => hostRemove(socketId));
    }
  }

  function setTileState(tile, { name, isHost, isMuted, isVideoOff, isScreenSharing, isHandRaised }) {
    $('.name', tile).textContent = name;
    $('.avatar span', tile).textContent = initials(name.replace(/ \(you\)$/, ''));
    tile.dataset.host = String(Boolean(isHost));
    tile.dataset.muted = String(Boolean(isMuted));
    tile.dataset.videoOff = String(Boolean(isVideoOff));
    tile.dataset.sharing = String(Boolean(isScreenSharing));
    tile.dataset.hand = String(Boolean(isHandRaised));
    tile.setAttribute('aria-label', [name, isHost && 'host', isMuted && 'muted', isVideoOff && 'video off', isScreenSharing && 'presenting', isHandRaised && 'hand raised'].filter(Boolean).join(', '));
  }

  function statusIcons(info) {
    const box = el('span', { class: 'status-icons' });
    if (info.isHandRaised) box.append(el('span', { class: 'mini hand', title: 'Hand raised' }, icon('hand')));
    if (info.isScreenSharing) box.append(el('span', { class: 'mini', title: 'Presenting' }, icon('screen')));
    box.append(el('span', { class: `mini${info.isVideoOff ? ' off' : ''}`, title: info.isVideoOff ? 'Video off' : 'Video on' }, icon(info.isVideoOff ? 'cam-off' : 'cam')));
    box.append(el('span', { class: `mini${info.isMuted ? ' off' : ''}`, title: info.isMuted ? 'Muted' : 'Unmuted' }, icon(info.isMuted ? 'mic-off' : 'mic')));
    return box;
  }

  function renderPeople() {
    const me = {
      socketId: state.myId, displayName: `${state.displayName || 'You'} (you)`, isHost: state.isHost, isMuted: !state.audioEnabled,
      isVideoOff: !state.videoEnabled, isScreenSharing: state.screenSharing, isHandRaised: state.handRaised,
    };
    const everyone = [me, ...state.participants.values()];
    ui.peopleList.replaceChildren(...everyone.map((p) => {
      const item = el('li', { class: 'person', 'data-testid': 'person', 'data-socket-id': p.socketId ?? '' },
        el('span', { class: 'avatar-sm', text: initials(p.displayName.replace(/ \(you\)$/, '')) }),
        el('span', { class: 'person-name', text: p.displayName }),
        p.isHost ? el('span', { class: 'badge host-badge', text: 'Host' }) : null,
        statusIcons(p));
      if (state.isHost && p !== me) {
        const actions = el('span', { class: 'person-actions' },
          el('button', { type: 'button', class: 'btn tiny secondary', text: 'Mute', 'data-testid': 'person-mute', onclick: () => hostMute(p.socketId) }),
          el('button', { type: 'button', class: 'btn tiny danger', text: 'Remove', 'data-testid': 'person-remove', onclick: () => hostRemove(p.socketId) }));
        item.append(actions);
      }
      return item;
    }));
    ui.peopleCount.textContent = String(everyone.length);

    ui.waitingSection.hidden = !state.isHost || state.waiting.size === 0;
    ui.waitingList.replaceChildren(...[...state.waiting.values()].map((p) => el('li', { class: 'person', 'data-testid': 'waiting-person', 'data-socket-id': p.socketId },
      el('span', { class: 'avatar-sm', text: initials(p.displayName) }),
      el('span', { class: 'person-name', text: p.displayName }),
      el('span', { class: 'person-actions' },
        el('button', { type: 'button', class: 'btn tiny primary', text: 'Admit', 'data-testid': 'admit-button', onclick: () => admit(p.socketId) }),
        el('button', { type: 'button', class: 'btn tiny secondary', text: 'Deny', 'data-testid': 'deny-button', onclick: () => deny(p.socketId) })))));
    ui.hostControls.hidden = !state.isHost;
    ui.waitingBadge.hidden = !state.isHost || state.waiting.size === 0;
    ui.waitingBadge.textContent = String(state.waiting.size);
  }

  function setControl(button, { pressed, label, off = false, disabled = false, title }) {
    button.setAttribute('aria-pressed', String(pressed));
    button.classList.toggle('is-off', off);
    button.disabled = disabled;
    $('span', button).textContent = label;
    button.title = title ?? label;
  }

  function renderControls() {
    const host = state.isHost;
    const s = state.settings;
    setControl(ui.mic, {
      pressed: !state.audioEnabled, off: !state.audioEnabled, label: state.audioEnabled ? 'Mute' : 'Unmute',
      disabled: !audioTrack() || (!host && s.allowParticipantAudio === false && !state.audioEnabled),
      title: !audioTrack() ? 'No microphone' : undefined,
    });
    setControl(ui.camera, {
      pressed: !state.videoEnabled, off: !state.videoEnabled, label: state.videoEnabled ? 'Stop video' : 'Start video',
      disabled: !cameraTrack() || (!host && s.allowParticipantVideo === false && !state.videoEnabled),
      title: !cameraTrack() ? 'No camera' : undefined,
    });
    setControl(ui.screen, {
      pressed: state.screenSharing, label: state.screenSharing ? 'Stop share' : 'Share',
      disabled: !host && s.allowScreenShare === false && !state.screenSharing,
    });
    setControl(ui.hand, { pressed: state.handRaised, label: state.handRaised ? 'Lower hand' : 'Raise hand' });
    ui.hand.classList.toggle('is-active', state.handRaised);
    ui.screen.classList.toggle('is-active', state.screenSharing);
    setControl(ui.chat, { pressed: state.sidebar === 'chat', label: 'Chat' });
    setControl(ui.people, { pressed: state.sidebar === 'people', label: 'People' });
    ui.chatUnread.hidden = state.unread === 0;
    ui.chatUnread.textContent = state.unread > 9 ? '9+' : String(state.unread);
    const chatOff = !host && s.allowChat === false;
    ui.chatInput.disabled = chatOff;
    ui.chatInput.placeholder = chatOff ? 'The host turned chat off' : 'Message everyone';
  }

  function setSidebar(panel) {
    state.sidebar = panel;
    ui.sidebar.hidden = !panel;
    document.body.dataset.sidebar = panel ?? 'none';
    if (panel) ui.sidebar.dataset.panel = panel;
    for (const tab of ui.sidebar.querySelectorAll('[data-tab]')) tab.setAttribute('aria-selected', String(tab.dataset.tab === panel));
    if (panel === 'chat') {
      state.unread = 0;
      ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
    }
    renderControls();
    requestAnimationFrame(layoutGrid);
  }

  function renderAll() {
    renderLocal();
    for (const id of state.participants.keys()) renderParticipant(id);
    renderPeople();
    renderControls();
    renderTyping();
    setLocked(state.locked);
    layoutGrid();
  }

  /** Sizes the tiles so that all of them fit the stage at the largest 16:9 size. */
  function layoutGrid() {
    const count = ui.grid.children.length;
    ui.grid.dataset.count = String(count);
    document.documentElement.style.setProperty('--controls-h', `${byTest('controls').offsetHeight || 76}px`);
    if (!count || ui.meeting.hidden) return;
    const gap = 8;
    const width = ui.stage.clientWidth - 2 * gap;
    const height = ui.stage.clientHeight - 2 * gap;
    if (width <= 0 || height <= 0) return;
    // portrait stages (phones) get taller 4:3 tiles; the video is cropped to fill them
    const ratio = height > width * 1.2 ? 4 / 3 : 16 / 9;
    ui.grid.style.setProperty('--tile-ratio', String(ratio));
    let best = 0;
    for (let columns = 1; columns <= count; columns++) {
      const rows = Math.ceil(count / columns);
      const byWidth = (width - gap * (columns - 1)) / columns;
      const byHeight = ((height - gap * (rows - 1)) / rows) * ratio;
      best = Math.max(best, Math.min(byWidth, byHeight));
    }
    ui.grid.style.setProperty('--tile-w', `${Math.max(120, Math.floor(best))}px`);
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring

  function onClick(event) {
    const target = event.target.closest('[data-action], [data-tab]');
    if (!target || target.disabled) return;
    if (target.dataset.tab) {
      setSidebar(target.dataset.tab);
      return;
    }
    switch (target.dataset.action) {
      case 'create-room': createRoom(); break;
      case 'mic': toggleMic(); break;
      case 'camera': toggleCamera(); break;
      case 'screen': toggleScreenShare(); break;
      case 'hand': toggleHand(); break;
      case 'chat': setSidebar(state.sidebar === 'chat' ? null : 'chat'); break;
      case 'people': setSidebar(state.sidebar === 'people' ? null : 'people'); break;
      case 'close-sidebar': setSidebar(null); break;
      case 'leave': leave(); break;
      case 'lock': toggleLock(); break;
      case 'end': endMeeting(); break;
      case 'copy-link': copyLink(); break;
      default: break;
    }
  }

  async function copyLink() {
    const url = new URL('/demo/', location.origin);
    url.searchParams.set('room', state.roomCode);
    try {
      await navigator.clipboard.writeText(url.href);
      toast({ title: 'Invite link copied', text: url.href });
    } catch {
      toast({ title: 'Invite link', text: url.href, timeoutMs: 15000 });
    }
  }

  function init() {
    const params = new URLSearchParams(location.search);
    ui.code.value = params.get('room') ?? '';
    try {
      ui.name.value = params.get('name') ?? localStorage.getItem('demo.displayName') ?? '';
    } catch {
      ui.name.value = params.get('name') ?? '';
    }
    if (typeof io !== 'function') {
      showBanner({ title: 'Page incomplete', text: 'The socket.io client (/demo/vendor/socket.io.min.js) did not load.' });
      ui.joinButton.disabled = true;
    }
    ui.form.addEventListener('submit', onJoinSubmit);
    ui.chatForm.addEventListener('submit', sendChat);
    ui.chatInput.addEventListener('input', onChatInput);
    ui.waitingToggle.addEventListener('change', toggleWaitingRoom);
    document.addEventListener('click', onClick);
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && state.sidebar) setSidebar(null);
    });
    new ResizeObserver(layoutGrid).observe(ui.stage);
    window.addEventListener('pagehide', () => socket?.disconnect());
    setPhase('idle');
    setConnection('offline');
    renderControls();
  }

  // Read-only hooks for tests and curious users (nothing here bypasses the server's rules).
  window.demo = Object.freeze({
    state,
    peers,
    get socket() {
      return socket;
    },
    p2pPing,
    explain: Object.freeze({ code: explainCode, join: explainJoin, forceDisconnect: explainForceDisconnect }),
  });

  init();
})();
