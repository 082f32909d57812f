"""A simulated cluster of fencer machines: total-order delivery, manual timers, agents
answered by the test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crm.fenced.devices import Device, FencingConfig, read_config
from crm.fenced.machine import (
    ArmTimer,
    CancelTimer,
    CheckDevices,
    FencerMachine,
    Multicast,
    Notify,
    Output,
    Peer,
    Reply,
    RunAgent,
)

CIB = """<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config/>
    <nodes>{nodes}</nodes>
    <resources>{resources}</resources>
    <constraints>{constraints}</constraints>
    {topology}
  </configuration>
  <status/>
</cib>"""


def device_xml(rid: str, agent: str = "fence_test", **params: str) -> str:
    pairs = "".join(f'<nvpair id="{rid}-{k}" name="{k}" value="{v}"/>' for k, v in params.items())
    return f'<primitive id="{rid}" class="stonith" type="{agent}"><instance_attributes id="{rid}-ia">{pairs}</instance_attributes></primitive>'


def config(resources: str = "", constraints: str = "", topology: str = "", nodes: int = 3) -> FencingConfig:
    node_xml = "".join(f'<node id="{k}" uname="node{k}"/>' for k in range(1, nodes + 1))
    text = CIB.format(nodes=node_xml, resources=resources, constraints=constraints, topology=topology)
    return read_config(etree.fromstring(text))


@dataclass
class Cluster:
    config: FencingConfig
    size: int = 3
    now: float = 1000.0
    # (node, device, action, target) -> rc; default 0
    agent: Callable[[str, RunAgent], tuple[int, str]] = lambda node, run: (0, "")
    # dynamic checks: (node, device) -> can fence
    check: Callable[[str, Device, str], bool] = lambda node, device, target: True
    auto_agents: bool = True
    machines: dict[str, FencerMachine] = field(default_factory=dict)
    alive: list[str] = field(default_factory=list)
    queue: list[tuple[Peer, bytes]] = field(default_factory=list)
    replies: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timers: dict[tuple[str, str], float] = field(default_factory=dict)
    runs: list[tuple[str, RunAgent]] = field(default_factory=list)
    pending_runs: list[tuple[str, RunAgent]] = field(default_factory=list)
    view: int = 0

    def __post_init__(self) -> None:
        for k in range(1, self.size + 1):
            name = f"node{k}"
            self.machines[name] = FencerMachine(Peer(k, name, 100 + k), self.config)
            self.events[name] = []
        self.set_view([f"node{k}" for k in range(1, self.size + 1)])

    def peer(self, name: str) -> Peer:
        return self.machines[name].local

    def set_view(self, names: list[str]) -> None:
        before = set(self.alive)
        self.alive = sorted(names, key=lambda n: self.peer(n).nodeid)
        self.view += 1
        members = [self.peer(n) for n in self.alive]
        joined = [self.peer(n) for n in self.alive if n not in before]
        left = [self.peer(n) for n in before if n not in self.alive]
        for name in self.alive:
            self.perform(name, self.machines[name].view_change(self.view, members, joined, left, self.now))
        self.settle()

    def restart(self, name: str) -> None:
        k = self.peer(name).nodeid
        self.machines[name] = FencerMachine(Peer(k, name, self.peer(name).pid + 1000), self.config)

    def perform(self, name: str, outputs: list[Output]) -> None:
        machine = self.machines[name]
        for output in outputs:
            if isinstance(output, Multicast):
                self.queue.append((machine.local, output.payload))
            elif isinstance(output, Reply):
                self.replies.append((name, output.client, output.message))
            elif isinstance(output, Notify):
                self.events[name].append(output.event)
            elif isinstance(output, ArmTimer):
                self.timers[(name, output.key)] = self.now + output.delay_s
            elif isinstance(output, CancelTimer):
                self.timers.pop((name, output.key), None)
            elif isinstance(output, CheckDevices):
                able = [d.id for d in output.devices if self.check(name, d, output.target)]
                self.perform(name, machine.devices_checked(output.op_id, able))
            elif isinstance(output, RunAgent):
                self.runs.append((name, output))
                if self.auto_agents:
                    rc, error = self.agent(name, output)
                    self.perform(name, machine.agent_done(output.op_id, output.step, output.device.id, rc, error, self.now))
                else:
                    self.pending_runs.append((name, output))

    def settle(self) -> None:
        while self.queue:
            sender, payload = self.queue.pop(0)
            if sender.name not in self.alive:
                continue
            for name in list(self.alive):
                self.perform(name, self.machines[name].deliver(sender, payload, self.now))

    def request(self, name: str, request: dict[str, Any], client: Any = "c") -> list[dict[str, Any]]:
        start = len(self.replies)
        self.perform(name, self.machines[name].client_request(client, request, self.now))
        self.settle()
        return [message for (_, _, message) in self.replies[start:]]

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for (name, key), due in sorted(self.timers.items(), key=lambda item: item[1]):
            if due <= self.now and (name, key) in self.timers and name in self.alive:
                del self.timers[(name, key)]
                self.perform(name, self.machines[name].timer_fired(key, self.now))
                self.settle()

    def finish_run(self, rc: int, error: str = "") -> None:
        name, run = self.pending_runs.pop(0)
        if name in self.alive:
            self.perform(name, self.machines[name].agent_done(run.op_id, run.step, run.device.id, rc, error, self.now))
            self.settle()
