"""Smart-locker simulator for the Linli locker MQTT protocol v1: API and command line.

    python -m devices.locker_sim run --count 3 --prefix-id demo --activity 5 --orders A1,A2
    python -m devices.locker_sim deposit --locker demo-1 --comp A01 --order A1
    python -m devices.locker_sim code --locker demo-1 --code 12345678

One-shot commands print one JSON object on stdout and exit with EXIT_* below.
devices/README.md documents the protocol as implemented.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import paho.mqtt.client as mqtt

from devices.fleet import Activity, LockerFleet
from devices.garbage import GARBAGE_KINDS, Garbage, fuzz_messages, make_garbage
from devices.locker import (
    BrokerConfig,
    Compartment,
    LockerError,
    SimulatedLocker,
    decode_json,
    default_layout,
    make_client,
    parse_broker_url,
    parse_layout,
)
from devices.protocol import (
    DEFAULT_TOPIC_ROOT,
    HEARTBEAT_SECONDS,
    PROTOCOL_VERSION,
    Topics,
    check_topic_root,
    is_locker_id,
)

__all__ = ["Activity", "BrokerConfig", "Compartment", "LockerError", "LockerFleet",
           "SimulatedLocker", "main", "parse_layout"]

EXIT_OK = 0  # done; for `code`, the portal answered `open`
EXIT_REFUSED = 1  # the portal answered `deny`, or the locker could not do it
EXIT_USAGE = 2  # bad arguments
EXIT_TIMEOUT = 3  # no reply from the portal in time
EXIT_BROKER = 4  # could not connect to the broker

log = logging.getLogger("devices.locker_sim")

OneShot = Callable[[argparse.Namespace, SimulatedLocker], tuple[int, dict]]


# ------------------------------------------------------------------ arguments

def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser with all subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m devices.locker_sim",
        description="Simulated smart lockers speaking the Linli locker MQTT protocol v1.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    broker, hardware, one_locker = _broker_options(), _hardware_options(), _one_locker_options()
    as_locker = [broker, hardware, one_locker]

    run = commands.add_parser("run", parents=[broker, hardware],
                              help="run many lockers until stopped (demo mode)")
    _add_run_options(run)

    deposit = commands.add_parser("deposit", parents=as_locker, help="put a parcel in")
    deposit.add_argument("--comp", required=True)
    deposit.add_argument("--order", required=True, help="the order's pickup reference")

    code = commands.add_parser("code", parents=as_locker,
                               help="type a pickup code and print the portal's reply")
    code.add_argument("--code", required=True)

    door = commands.add_parser("door", parents=as_locker, help="open or close a door by hand")
    door.add_argument("--comp", required=True)
    door.add_argument("action", choices=["open", "close"])

    collect = commands.add_parser("collect", parents=as_locker,
                                  help="take a parcel out and send `collected`")
    collect.add_argument("--comp", required=True)
    collect.add_argument("--order", help="needed when the locker does not remember it")

    alarm = commands.add_parser("alarm", parents=as_locker,
                                help="raise door_alarm, temp_alarm or fault (or clear a fault)")
    alarm.add_argument("kind", choices=["door", "temp", "fault", "clear"])
    alarm.add_argument("--comp", help="default: the first (cold, for temp) compartment")
    alarm.add_argument("--temp", type=float, help="temperature for temp (default 9–13 °C)")
    alarm.add_argument("--detail", default="lock motor stalled", help="text for fault")

    offline = commands.add_parser("offline", parents=as_locker,
                                  help="come online, then lose power so the broker fires the will")
    offline.add_argument("--silent", action="store_true",
                         help="stop publishing and leave politely: no will, status stays online")
    offline.add_argument("--hold", type=float, default=0.0,
                         help="seconds to stay online first")

    garbage = commands.add_parser("garbage", parents=[broker],
                                  help="publish one malformed message (or all kinds)")
    garbage.add_argument("--locker", required=True)
    garbage.add_argument("--kind", required=True, choices=[*GARBAGE_KINDS, "all"])

    fuzz = commands.add_parser("fuzz", parents=[broker], help="publish N malformed messages")
    fuzz.add_argument("--locker", required=True)
    fuzz.add_argument("--count", type=int, default=50)
    fuzz.add_argument("--seed", type=int)

    watch = commands.add_parser("watch", parents=[broker],
                                help="print every locker message under the topic root")
    watch.add_argument("--duration", type=float, help="seconds to watch (default: until ^C)")
    return parser


def _broker_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("broker")
    group.add_argument("--url", default=os.environ.get("LINLI_MQTT_URL", "mqtt://127.0.0.1:1883"),
                       help="mqtt://user:pass@host:port or mqtts://… (env LINLI_MQTT_URL)")
    group.add_argument("--topic-root", default=os.environ.get("LINLI_TOPIC_ROOT",
                                                              DEFAULT_TOPIC_ROOT),
                       help=f"prefix before /{PROTOCOL_VERSION} (env LINLI_TOPIC_ROOT)")
    group.add_argument("--username", help="username; {locker} is replaced by the locker id")
    group.add_argument("--password", help="password; {locker} is replaced by the locker id")
    group.add_argument("--password-file", type=Path,
                       help='JSON {"locker-id": {"username": …, "password": …}}')
    group.add_argument("--ca-file", help="CA bundle for mqtts://")
    group.add_argument("--timeout", type=float, default=10.0,
                       help="seconds to wait for the broker and for replies (default 10)")
    group.add_argument("-v", "--verbose", action="count", default=0)
    return options


def _hardware_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("locker hardware")
    group.add_argument("--layout", help="compartments, e.g. A01:S,A02:M:cold,B01:L")
    group.add_argument("--compartments", type=int, help="number of compartments (default 8)")
    group.add_argument("--cold", type=int, help="how many of them are cold (default 2)")
    group.add_argument("--fresh", action="store_true",
                       help="start empty instead of restoring retained state from the broker")
    group.add_argument("--heartbeat", type=float, default=HEARTBEAT_SECONDS,
                       help=f"seconds between status heartbeats (default {HEARTBEAT_SECONDS:g})")
    group.add_argument("--collect-delay", type=float, default=2.0,
                       help="seconds from `open` until the parcel is taken (default 2)")
    group.add_argument("--no-auto-collect", dest="auto_collect", action="store_false",
                       help="after `open`, leave the door open and the parcel in")
    group.add_argument("--keypad-comp", help="compartment reported with pickup_code events")
    return options


def _one_locker_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("this locker")
    group.add_argument("--locker", required=True, help="locker id, [a-z0-9-]{1,40}")
    group.add_argument("--shutdown", action="store_true",
                       help="end with a clean shutdown (retained online:false) instead of "
                            "just disconnecting")
    return options


def _add_run_options(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group("fleet")
    group.add_argument("--lockers", help="comma-separated locker ids")
    group.add_argument("--count", type=int, default=3, help="how many lockers (default 3)")
    group.add_argument("--prefix-id", "--id-prefix", dest="prefix_id", default="demo",
                       help="ids are PREFIX-1 … PREFIX-N (default demo)")
    group.add_argument("--duration", type=float, help="seconds to run (default: until ^C)")
    group.add_argument("--seed", type=int, help="seed for reproducible randomness")
    group = run.add_argument_group("random activity")
    group.add_argument("--activity", type=float, default=0.0, metavar="SECONDS",
                       help="act about every SECONDS (default 0: no random activity)")
    group.add_argument("--orders", default="", help="comma-separated order references")
    group.add_argument("--orders-file", type=Path,
                       help='JSON list of order references, or {"orders": […], "codes": […]}')
    group.add_argument("--codes", default="",
                       help="comma-separated codes to type, CODE or CODE@locker-id")
    group.add_argument("--wrong-code-rate", type=float, default=0.0,
                       help="chance per action of typing a random wrong code (default 0)")


# ------------------------------------------------------------------ building

def broker_for(args: argparse.Namespace, locker_id: str | None) -> BrokerConfig:
    """Broker settings for one locker: password file, else patterns, else the URL's user."""
    base = replace(parse_broker_url(args.url), ca_file=args.ca_file)
    entry = args.password_map.get(locker_id) if locker_id else None
    if entry:
        return replace(base, username=entry["username"], password=entry.get("password"))
    return replace(
        base,
        username=_fill(args.username, locker_id) if args.username else base.username,
        password=_fill(args.password, locker_id) if args.password else base.password,
    )


def _fill(pattern: str, locker_id: str | None) -> str:
    return pattern.replace("{locker}", locker_id or "")


def load_password_file(path: Path | None) -> dict[str, dict]:
    """Read a JSON mapping of locker id to {"username", "password"}."""
    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(entry, dict) and isinstance(entry.get("username"), str)
        for entry in data.values()
    ):
        raise ValueError(f"{path}: expected {{locker id: {{username, password}}}}")
    return data


def layout_from_args(args: argparse.Namespace) -> list[Compartment] | None:
    """The layout asked for on the command line, or None to restore or use the default."""
    if args.layout:
        return parse_layout(args.layout)
    if args.compartments is not None or args.cold is not None:
        count = args.compartments if args.compartments is not None else 8
        return default_layout(count, args.cold if args.cold is not None else min(2, count))
    return None


def new_locker(args: argparse.Namespace, locker_id: str,
               rng: random.Random | None = None) -> SimulatedLocker:
    """Build a SimulatedLocker from command-line options."""
    return SimulatedLocker(
        locker_id,
        layout_from_args(args),
        broker=broker_for(args, locker_id),
        topic_root=args.topic_root,
        heartbeat_s=args.heartbeat,
        auto_collect=args.auto_collect,
        collect_delay_s=args.collect_delay,
        restore=not args.fresh,
        keypad_comp=args.keypad_comp,
        rng=rng,
    )


def fleet_ids(args: argparse.Namespace) -> list[str]:
    """Locker ids for `run`: --lockers, or PREFIX-1 … PREFIX-N."""
    if args.lockers:
        ids = [part.strip() for part in args.lockers.split(",") if part.strip()]
    else:
        ids = [f"{args.prefix_id}-{number}" for number in range(1, args.count + 1)]
    bad = [locker_id for locker_id in ids if not is_locker_id(locker_id)]
    if not ids or bad:
        raise ValueError(f"locker ids must match [a-z0-9-]{{1,40}}: {bad or 'none given'}")
    return ids


def activity_from_args(args: argparse.Namespace, rng: random.Random) -> Activity | None:
    """The random activity asked for, or None."""
    if args.activity <= 0:
        return None
    orders, codes = _split(args.orders), _split(args.codes)
    if args.orders_file:
        data = json.loads(args.orders_file.read_text(encoding="utf-8"))
        data = {"orders": data} if isinstance(data, list) else data
        orders += [str(order) for order in data.get("orders", [])]
        codes += [str(code) for code in data.get("codes", [])]
    return Activity(interval_s=args.activity, orders=orders, codes=codes,
                    wrong_code_rate=args.wrong_code_rate, rng=rng)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# ------------------------------------------------------------------ commands

def command_run(args: argparse.Namespace) -> int:
    """Run a fleet until stopped, optionally acting by itself."""
    rng = random.Random(args.seed)
    fleet = LockerFleet(new_locker(args, locker_id, random.Random(rng.random()))
                        for locker_id in fleet_ids(args))
    activity = activity_from_args(args, rng)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        fleet.start(args.timeout)
    except (OSError, ConnectionError) as error:
        return emit(EXIT_BROKER, {"ok": False, "error": f"cannot reach the broker: {error}"})
    emit(EXIT_OK, {"ok": True, "running": {locker_id: locker.boot
                                           for locker_id, locker in fleet.lockers.items()},
                   "topic_root": args.topic_root})
    try:
        fleet.run(stop, activity, args.duration)
    finally:
        fleet.stop()
    done = list(activity.done) if activity else []
    return emit(EXIT_OK, {"ok": True, "stopped": list(fleet.lockers), "activity": done})


def run_one_shot(args: argparse.Namespace, action: OneShot) -> int:
    """Power up as --locker, do one thing, end the session, print the result as JSON."""
    locker = new_locker(args, args.locker)
    try:
        locker.start(args.timeout)
    except (OSError, ConnectionError) as error:
        return emit(EXIT_BROKER, {"ok": False, "locker": args.locker,
                                  "error": f"cannot reach the broker: {error}"})
    try:
        status, result = action(args, locker)
    except LockerError as error:
        status, result = EXIT_REFUSED, {"error": str(error)}
    finally:
        if args.shutdown:
            locker.stop(args.timeout)
        else:
            locker.go_silent(args.timeout)
    return emit(status, {"ok": status == EXIT_OK, "locker": args.locker, "boot": locker.boot,
                         **result})


def do_deposit(args: argparse.Namespace, locker: SimulatedLocker) -> tuple[int, dict]:
    """Deposit a parcel for an order."""
    return EXIT_OK, {"event": locker.deposit(args.comp, args.order)}


def do_code(args: argparse.Namespace, locker: SimulatedLocker) -> tuple[int, dict]:
    """Type a code, wait for the portal's reply, and let the parcel be taken on `open`."""
    event = locker.enter_code(args.code)
    reply = locker.wait_for_reply(event["id"], args.timeout)
    if reply is None:
        return EXIT_TIMEOUT, {"event": event, "reply": None,
                              "error": f"no reply from the portal within {args.timeout:g} s"}
    result = {"event": event, "reply": reply, "collected": None}
    if reply.get("type") != "open":
        return EXIT_REFUSED, result
    if locker.auto_collect:
        locker.wait_until_settled(args.collect_delay + args.timeout)
        result["collected"] = next((sent for sent in locker.sent_events
                                    if sent["type"] == "collected"
                                    and sent["seq"] > event["seq"]), None)
    return EXIT_OK, result


def do_door(args: argparse.Namespace, locker: SimulatedLocker) -> tuple[int, dict]:
    """Open or close a door by hand."""
    door = "open" if args.action == "open" else "closed"
    return EXIT_OK, {"comp": args.comp, "state": locker.set_door(args.comp, door)}


def do_collect(args: argparse.Namespace, locker: SimulatedLocker) -> tuple[int, dict]:
    """Take a parcel out."""
    return EXIT_OK, {"event": locker.collect(args.comp, args.order)}


def do_alarm(args: argparse.Namespace, locker: SimulatedLocker) -> tuple[int, dict]:
    """Raise an alarm or a fault, or clear a fault."""
    comp = args.comp or _default_alarm_comp(locker, cold=args.kind == "temp")
    if args.kind == "door":
        return EXIT_OK, {"event": locker.door_alarm(comp)}
    if args.kind == "temp":
        return EXIT_OK, {"event": locker.temp_alarm(comp, args.temp)}
    if args.kind == "fault":
        return EXIT_OK, {"event": locker.report_fault(comp, args.detail)}
    return EXIT_OK, {"comp": comp, "state": locker.clear_fault(comp)}


def _default_alarm_comp(locker: SimulatedLocker, cold: bool) -> str:
    for comp in locker.compartments.values():
        if comp.cold or not cold:
            return comp.id
    raise LockerError(f"{locker.locker_id} has no cold compartment")


def do_offline(args: argparse.Namespace, locker: SimulatedLocker) -> tuple[int, dict]:
    """Stay online for --hold seconds, then lose power (or, with --silent, go quiet)."""
    time.sleep(max(0.0, args.hold))
    if args.silent:
        locker.go_silent(args.timeout)
        return EXIT_OK, {"mode": "silent", "last_seq": locker.seq,
                         "note": "DISCONNECT sent: no will; the portal must time the locker out"}
    locker.drop_connection(args.timeout)
    return EXIT_OK, {"mode": "will", "last_seq": locker.seq,
                     "note": "socket closed without DISCONNECT: the broker publishes the will"}


ONE_SHOTS: dict[str, OneShot] = {
    "deposit": do_deposit,
    "code": do_code,
    "door": do_door,
    "collect": do_collect,
    "alarm": do_alarm,
    "offline": do_offline,
}


def command_garbage(args: argparse.Namespace) -> int:
    """Publish one malformed message of a kind, or one of every kind."""
    topics = Topics(check_topic_root(args.topic_root), args.locker)
    kinds = list(GARBAGE_KINDS) if args.kind == "all" else [args.kind]
    return publish_garbage(args, [make_garbage(kind, topics) for kind in kinds])


def command_fuzz(args: argparse.Namespace) -> int:
    """Publish --count varied malformed messages."""
    topics = Topics(check_topic_root(args.topic_root), args.locker)
    return publish_garbage(args, list(fuzz_messages(topics, args.count, random.Random(args.seed))))


def publish_garbage(args: argparse.Namespace, messages: Sequence[Garbage]) -> int:
    """Publish malformed messages (QoS 1, never retained) and list them as JSON."""
    try:
        with connected_client(broker_for(args, args.locker), args.timeout) as client:
            infos = [client.publish(message.topic, message.payload, qos=1, retain=False)
                     for message in messages]
            for info in infos:
                info.wait_for_publish(args.timeout)
    except (OSError, ConnectionError) as error:
        return emit(EXIT_BROKER, {"ok": False, "error": f"cannot reach the broker: {error}"})
    return emit(EXIT_OK, {"ok": True, "sent": [message.describe() for message in messages]})


def command_watch(args: argparse.Namespace) -> int:
    """Print every message under <root>/v1/lockers/# as a JSON line."""
    def show(client, userdata, message: mqtt.MQTTMessage) -> None:
        payload = decode_json(message.payload)
        print(json.dumps({"topic": message.topic, "retain": bool(message.retain),
                          "payload": payload if payload is not None
                          else message.payload.decode("utf-8", "replace")},
                         ensure_ascii=False), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    root = check_topic_root(args.topic_root)
    try:
        with connected_client(broker_for(args, None), args.timeout) as client:
            client.on_message = show
            client.subscribe(f"{root}/{PROTOCOL_VERSION}/lockers/#", qos=1)
            stop.wait(args.duration)
    except (OSError, ConnectionError) as error:
        return emit(EXIT_BROKER, {"ok": False, "error": f"cannot reach the broker: {error}"})
    return EXIT_OK


@contextlib.contextmanager
def connected_client(broker: BrokerConfig, timeout: float) -> Iterator[mqtt.Client]:
    """A plain paho client, connected (CONNACK received) for the duration of the block."""
    connected = threading.Event()
    refused: list[str] = []

    def on_connect(client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            refused.append(str(reason_code))
        connected.set()

    client = make_client(broker, f"linli-sim-{os.getpid()}-{random.getrandbits(32):08x}")
    client.on_connect = on_connect
    client.connect_timeout = timeout
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        if not connected.wait(timeout) or refused:
            raise ConnectionError(refused[0] if refused else "no CONNACK")
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


# ------------------------------------------------------------------ entry

def emit(status: int, result: dict) -> int:
    """Print a result as one JSON line and return the exit status."""
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    verbosity = args.verbose + (1 if args.command == "run" else 0)
    logging.basicConfig(level=max(logging.DEBUG, logging.WARNING - 10 * verbosity),
                        stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        args.password_map = load_password_file(args.password_file)
        if args.command in ONE_SHOTS:
            return run_one_shot(args, ONE_SHOTS[args.command])
        return {"run": command_run, "garbage": command_garbage, "fuzz": command_fuzz,
                "watch": command_watch}[args.command](args)
    except (ValueError, OSError) as error:
        return emit(EXIT_USAGE, {"ok": False, "error": str(error)})


if __name__ == "__main__":
    sys.exit(main())
