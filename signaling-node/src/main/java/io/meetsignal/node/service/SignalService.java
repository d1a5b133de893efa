package io.meetsignal.node.service;

import io.meetsignal.cluster.ChatMessage;
import io.meetsignal.cluster.ClusterMessage.RosterChange;
import io.meetsignal.cluster.ClusterMessage.SocketAction;
import io.meetsignal.cluster.ClusterStore;
import io.meetsignal.cluster.MediaChange;
import io.meetsignal.cluster.Participant;
import io.meetsignal.cluster.Room;
import io.meetsignal.cluster.RoomSettings;
import io.meetsignal.node.protocol.Events;
import io.meetsignal.node.protocol.Refusals;
import io.meetsignal.node.protocol.Requests.Chat;
import io.meetsignal.node.protocol.Requests.Flag;
import io.meetsignal.node.protocol.Requests.RoomRef;
import io.meetsignal.node.protocol.Requests.Signal;
import io.meetsignal.node.protocol.ServerEvent;
import io.meetsignal.node.protocol.ServerEvent.Answer;
import io.meetsignal.node.protocol.ServerEvent.ChatPosted;
import io.meetsignal.node.protocol.ServerEvent.HandLowered;
import io.meetsignal.node.protocol.ServerEvent.HandRaised;
import io.meetsignal.node.protocol.ServerEvent.IceCandidate;
import io.meetsignal.node.protocol.ServerEvent.Offer;
import io.meetsignal.node.protocol.ServerEvent.ScreenShareStarted;
import io.meetsignal.node.protocol.ServerEvent.ScreenShareStopped;
import io.meetsignal.node.protocol.ServerEvent.UserToggleAudio;
import io.meetsignal.node.protocol.ServerEvent.UserToggleVideo;
import io.meetsignal.node.protocol.ServerEvent.UserTyping;
import io.meetsignal.node.session.Session;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** WebRTC relay, media state, chat and typing: everything a seated participant sends to its room. */
public final class SignalService {

    public static final Duration TYPING_LAPSE = Duration.ofSeconds(3);

    private final ClusterStore store;
    private final Delivery delivery;
    private final Rosters rosters;
    private final ScheduledExecutorService timers;
    private final Clock clock;

    public SignalService(
            ClusterStore store, Delivery delivery, Rosters rosters, ScheduledExecutorService timers, Clock clock) {
        this.store = store;
        this.delivery = delivery;
        this.rosters = rosters;
        this.timers = timers;
        this.clock = clock;
    }

    // ---- relay ------------------------------------------------------------------------------------

    /**
     * Relays {@code offer}, {@code answer} or {@code ice-candidate} to one participant of the sender's room:
     * one publish, no store access.
     */
    public CompletionStage<Outcome> relay(Session session, String event, Signal signal) {
        String roomId = session.roomId();
        if (roomId == null) {
            return Stages.failed(Refusals.notInRoom());
        }
        Participant target = rosters.find(roomId, signal.targetId()).orElse(null);
        if (target == null) {
            return Stages.failed(Refusals.targetNotFound());
        }
        ServerEvent relayed = switch (event) {
            case Events.OFFER -> new Offer(session.socketId(), session.userId(), session.displayName(), signal.body());
            case Events.ANSWER -> new Answer(session.socketId(), signal.body());
            default -> new IceCandidate(session.socketId(), signal.body());
        };
        return delivery.toSeat(roomId, target.socketId(), relayed, SocketAction.NONE)
                .thenApply(nothing -> Outcome.DONE);
    }

    // ---- media ------------------------------------------------------------------------------------

    public CompletionStage<Outcome> toggleAudio(Session session, Flag request) {
        return media(
                session,
                request.roomId(),
                MediaChange.AUDIO,
                request.value(),
                RoomSettings::allowParticipantAudio,
                new UserToggleAudio(session.socketId(), request.value()));
    }

    public CompletionStage<Outcome> toggleVideo(Session session, Flag request) {
        return media(
                session,
                request.roomId(),
                MediaChange.VIDEO,
                request.value(),
                RoomSettings::allowParticipantVideo,
                new UserToggleVideo(session.socketId(), request.value()));
    }

    public CompletionStage<Outcome> screenShare(Session session, RoomRef request, boolean start) {
        return media(
                session,
                request.roomId(),
                MediaChange.SCREEN_SHARE,
                start,
                RoomSettings::allowScreenShare,
                start ? new ScreenShareStarted(session.socketId()) : new ScreenShareStopped(session.socketId()));
    }

    public CompletionStage<Outcome> handRaise(Session session, Flag request) {
        boolean raised = request.value();
        return media(
                session,
                request.roomId(),
                MediaChange.HAND,
                raised,
                settings -> true,
                raised
                        ? new HandRaised(session.socketId(), session.displayName())
                        : new HandLowered(session.socketId()));
    }

    /**
     * Stores one media flag and tells the others. Turning something on may be refused by the room's
     * settings (never for the host); turning it off never is.
     */
    private CompletionStage<Outcome> media(
            Session session,
            String roomId,
            MediaChange change,
            boolean on,
            Predicate<RoomSettings> allowed,
            ServerEvent event) {
        if (!roomId.equals(session.roomId())) {
            return Stages.failed(Refusals.notInRoom());
        }
        return seatedRoom(roomId)
                .thenCompose(room -> {
                    if (on && !room.isHost(session.userId()) && !allowed.test(room.settings())) {
                        throw Refusals.mediaNotAllowed();
                    }
                    return store.updateMedia(roomId, session.socketId(), change, on);
                })
                .thenCompose(updated -> {
                    if (updated.isEmpty()) {
                        throw Refusals.notInRoom();
                    }
                    // the roster keeps media state too, so that a node can put the seat back if Redis loses it
                    return delivery.toRoom(roomId, session.socketId(), event, new RosterChange(updated.get(), null));
                })
                .thenApply(nothing -> Outcome.DONE);
    }

    private CompletionStage<Room> seatedRoom(String roomId) {
        return store.roomById(roomId)
                .thenApply(room -> room.filter(Room::active).orElseThrow(Refusals::notInRoom));
    }

    // ---- chat -------------------------------------------------------------------------------------

    public CompletionStage<Outcome> chat(Session session, Chat request) {
        String roomId = request.roomId();
        if (!roomId.equals(session.roomId())) {
            return Stages.failed(Refusals.notInRoom());
        }
        return seatedRoom(roomId).thenCompose(room -> {
            if (!room.isHost(session.userId()) && !room.settings().allowChat()) {
                throw Refusals.chatOff();
            }
            ChatMessage message = new ChatMessage(
                    UUID.randomUUID().toString(),
                    roomId,
                    session.socketId(),
                    session.displayName(),
                    session.userId(),
                    request.content(),
                    "TEXT",
                    clock.instant());
            return store.appendChat(message)
                    .thenCompose(nothing -> delivery.toRoom(roomId, null, new ChatPosted(message)))
                    .thenApply(nothing -> new Outcome.Posted(message));
        });
    }

    public CompletionStage<Outcome> typing(Session session, RoomRef request, boolean typing) {
        String roomId = request.roomId();
        if (!roomId.equals(session.roomId())) {
            return Stages.failed(Refusals.notInRoom());
        }
        if (typing) {
            session.typingLapse(timers.schedule(
                    () -> {
                        if (roomId.equals(session.roomId())) {
                            publishTyping(session, roomId, false);
                        }
                    },
                    TYPING_LAPSE.toMillis(),
                    TimeUnit.MILLISECONDS));
        } else {
            session.typingLapse(null);
        }
        return publishTyping(session, roomId, typing).thenApply(nothing -> Outcome.DONE);
    }

    private CompletionStage<Void> publishTyping(Session session, String roomId, boolean typing) {
        return delivery.toRoom(
                roomId, session.socketId(), new UserTyping(session.socketId(), session.displayName(), typing));
    }
}
