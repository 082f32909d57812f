"""The options each cluster daemon reads from the CIB, and their ``metadata`` document.

``pacemaker-based metadata`` (and the controller's, fencer's and scheduler's) prints the
options a daemon reads as an OCF-style ``resource-agent`` document, which tools such as
pcs read to learn names, types, defaults and allowed values.  The names, types, defaults
and texts below are Pacemaker 2.1.5's (lib/common/options.c, lib/pengine/common.c,
daemons/*/; Copyright the Pacemaker project contributors, LGPLv2.1+ and GPLv2+), kept
word for word, including their typos, so that the documents match Pacemaker's.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Final

#: the Pacemaker release whose options and output format these are
PACEMAKER_VERSION: Final = "2.1.5"


@dataclass(frozen=True)
class OptionMeta:
    """One option: its type (``boolean``, ``integer``, ``time``, ``select``...) and texts."""

    name: str
    type: str
    default: str | None
    shortdesc: str
    longdesc: str
    values: tuple[str, ...] = ()
    #: the "Allowed values" note Pacemaker appends to the long description (not XML-escaped)
    allowed: str = ""


@dataclass(frozen=True)
class DaemonOptions:
    """What a daemon's metadata says of itself, and the names of the options it reads."""

    shortdesc: str
    longdesc: str
    names: tuple[str, ...]

    def options(self) -> tuple[OptionMeta, ...]:
        return tuple(OPTIONS[name] for name in self.names)


OPTIONS: Final[dict[str, OptionMeta]] = {
    'enable-acl': OptionMeta(
        'enable-acl', 'boolean', 'false',
        'Enable Access Control Lists (ACLs) for the CIB',
        'Enable Access Control Lists (ACLs) for the CIB',
    ),
    'cluster-ipc-limit': OptionMeta(
        'cluster-ipc-limit', 'integer', '500',
        'Maximum IPC message backlog before disconnecting a cluster daemon',
        'Raise this if log has "Evicting client" messages for cluster daemon PIDs (a good value is the number of resources in the cluster multiplied by the number of nodes).',
    ),
    'dc-version': OptionMeta(
        'dc-version', 'string', 'none',
        'Pacemaker version on cluster node elected Designated Controller (DC)',
        'Includes a hash which identifies the exact changeset the code was built from. Used for diagnostic purposes.',
    ),
    'cluster-infrastructure': OptionMeta(
        'cluster-infrastructure', 'string', 'corosync',
        'The messaging stack on which Pacemaker is currently running',
        'Used for informational and diagnostic purposes.',
    ),
    'cluster-name': OptionMeta(
        'cluster-name', 'string', None,
        'An arbitrary name for the cluster',
        "This optional value is mostly for users' convenience as desired in administration, but may also be used in Pacemaker configuration rules via the #cluster-name node attribute, and by higher-level tools and resource agents.",
    ),
    'dc-deadtime': OptionMeta(
        'dc-deadtime', 'time', '20s',
        'How long to wait for a response from other nodes during start-up',
        'The optimal value will depend on the speed and load of your network and the type of switches used.',
    ),
    'cluster-recheck-interval': OptionMeta(
        'cluster-recheck-interval', 'time', '15min',
        'Polling interval to recheck cluster state and evaluate rules with date specifications',
        'Pacemaker is primarily event-driven, and looks ahead to know when to recheck cluster state for failure timeouts and most time-based rules. However, it will also recheck the cluster after this amount of inactivity, to evaluate rules with date specifications and serve as a fail-safe for certain types of scheduler bugs.',
        (),
        'Zero disables polling, while positive values are an interval in seconds(unless other units are specified, for example "5min")',
    ),
    'load-threshold': OptionMeta(
        'load-threshold', 'percentage', '80%',
        'Maximum amount of system load that should be used by cluster nodes',
        'The cluster will slow down its recovery process when the amount of system resources used (currently CPU) approaches this limit',
    ),
    'node-action-limit': OptionMeta(
        'node-action-limit', 'integer', '0',
        'Maximum number of jobs that can be scheduled per node (defaults to 2x cores)',
        'Maximum number of jobs that can be scheduled per node (defaults to 2x cores)',
    ),
    'fence-reaction': OptionMeta(
        'fence-reaction', 'string', 'stop',
        'How a cluster node should react if notified of its own fencing',
        'A cluster node may receive notification of its own fencing if fencing is misconfigured, or if fabric fencing is in use that doesn\'t cut cluster communication. Allowed values are "stop" to attempt to immediately stop Pacemaker and stay stopped, or "panic" to attempt to immediately reboot the local node, falling back to stop on failure.',
    ),
    'election-timeout': OptionMeta(
        'election-timeout', 'time', '2min',
        '*** Advanced Use Only ***',
        'Declare an election failed if it is not decided within this much time. If you need to adjust this value, it probably indicates the presence of a bug.',
    ),
    'shutdown-escalation': OptionMeta(
        'shutdown-escalation', 'time', '20min',
        '*** Advanced Use Only ***',
        'Exit immediately if shutdown does not complete within this much time. If you need to adjust this value, it probably indicates the presence of a bug.',
    ),
    'join-integration-timeout': OptionMeta(
        'join-integration-timeout', 'time', '3min',
        '*** Advanced Use Only ***',
        'If you need to adjust this value, it probably indicates the presence of a bug.',
    ),
    'join-finalization-timeout': OptionMeta(
        'join-finalization-timeout', 'time', '30min',
        '*** Advanced Use Only ***',
        'If you need to adjust this value, it probably indicates the presence of a bug.',
    ),
    'transition-delay': OptionMeta(
        'transition-delay', 'time', '0s',
        '*** Advanced Use Only *** Enabling this option will slow down cluster recovery under all conditions',
        'Delay cluster recovery for this much time to allow for additional events to occur. Useful if your configuration is sensitive to the order in which ping updates arrive.',
    ),
    'stonith-watchdog-timeout': OptionMeta(
        'stonith-watchdog-timeout', 'time', '0',
        'How long before nodes can be assumed to be safely down when watchdog-based self-fencing via SBD is in use',
        'If this is set to a positive value, lost nodes are assumed to self-fence using watchdog-based SBD within this much time. This does not require a fencing resource to be explicitly configured, though a fence_watchdog resource can be configured, to limit use to specific nodes. If this is set to 0 (the default), the cluster will never assume watchdog-based self-fencing. If this is set to a negative value, the cluster will use twice the local value of the `SBD_WATCHDOG_TIMEOUT` environment variable if that is positive, or otherwise treat this as 0. WARNING: When used, this timeout must be larger than `SBD_WATCHDOG_TIMEOUT` on all nodes that use watchdog-based SBD, and Pacemaker will refuse to start on any of those nodes where this is not true for the local value or SBD is not active. When this is set to a negative value, `SBD_WATCHDOG_TIMEOUT` must be set to the same value on all nodes that use SBD, otherwise data corruption or loss could occur.',
    ),
    'stonith-max-attempts': OptionMeta(
        'stonith-max-attempts', 'integer', '10',
        'How many times fencing can fail before it will no longer be immediately re-attempted on a target',
        'How many times fencing can fail before it will no longer be immediately re-attempted on a target',
    ),
    'no-quorum-policy': OptionMeta(
        'no-quorum-policy', 'select', 'stop',
        'What to do when the cluster does not have quorum',
        'What to do when the cluster does not have quorum',
        ('stop', 'freeze', 'ignore', 'demote', 'suicide'),
        'stop, freeze, ignore, demote, suicide',
    ),
    'shutdown-lock': OptionMeta(
        'shutdown-lock', 'boolean', 'false',
        'Whether to lock resources to a cleanly shut down node',
        'When true, resources active on a node when it is cleanly shut down are kept "locked" to that node (not allowed to run elsewhere) until they start again on that node after it rejoins (or for at most shutdown-lock-limit, if set). Stonith resources and Pacemaker Remote connections are never locked. Clone and bundle instances and the promoted role of promotable clones are currently never locked, though support could be added in a future release.',
    ),
    'pcmk_host_argument': OptionMeta(
        'pcmk_host_argument', 'string', 'port',
        "Advanced use only: An alternate parameter to supply instead of 'port'",
        "some devices do not support the standard 'port' parameter or may provide additional ones. Use this to specify an alternate, device-specific, parameter that should indicate the machine to be fenced. A value of none can be used to tell the cluster not to supply any additional parameters.",
    ),
    'pcmk_host_map': OptionMeta(
        'pcmk_host_map', 'string', '',
        'A mapping of host names to ports numbers for devices that do not support host names.',
        'Eg. node1:1;node2:2,3 would tell the cluster to use port 1 for node1 and ports 2 and 3 for node2',
    ),
    'pcmk_host_list': OptionMeta(
        'pcmk_host_list', 'string', '',
        'Eg. node1,node2,node3',
        'A list of machines controlled by this device (Optional unless pcmk_host_list=static-list)',
    ),
    'pcmk_host_check': OptionMeta(
        'pcmk_host_check', 'string', 'dynamic-list',
        'How to determine which machines are controlled by the device.',
        "Allowed values: dynamic-list (query the device via the 'list' command), static-list (check the pcmk_host_list attribute), status (query the device via the 'status' command), none (assume every device can fence every machine)",
    ),
    'pcmk_delay_max': OptionMeta(
        'pcmk_delay_max', 'time', '0s',
        'Enable a base delay for fencing actions and specify base delay value.',
        'Enable a delay of no more than the time specified before executing fencing actions. Pacemaker derives the overall delay by taking the value of pcmk_delay_base and adding a random delay value such that the sum is kept below this maximum.',
    ),
    'pcmk_delay_base': OptionMeta(
        'pcmk_delay_base', 'string', '0s',
        'Enable a base delay for fencing actions and specify base delay value.',
        'This enables a static delay for fencing actions, which can help avoid "death matches" where two nodes try to fence each other at the same time. If pcmk_delay_max  is also used, a random delay will be added such that the total delay is kept below that value.This can be set to a single time value to apply to any node targeted by this device (useful if a separate device is configured for each target), or to a node map (for example, "node1:1s;node2:5") to set a different value per target.',
    ),
    'pcmk_action_limit': OptionMeta(
        'pcmk_action_limit', 'integer', '1',
        'The maximum number of actions can be performed in parallel on this device',
        'Cluster property concurrent-fencing=true needs to be configured first.Then use this to specify the maximum number of actions can be performed in parallel on this device. -1 is unlimited.',
    ),
    'pcmk_reboot_action': OptionMeta(
        'pcmk_reboot_action', 'string', 'reboot',
        "Advanced use only: An alternate command to run instead of 'reboot'",
        "Some devices do not support the standard commands or may provide additional ones.\\nUse this to specify an alternate, device-specific, command that implements the 'reboot' action.",
    ),
    'pcmk_reboot_timeout': OptionMeta(
        'pcmk_reboot_timeout', 'time', '60s',
        'Advanced use only: Specify an alternate timeout to use for reboot actions instead of stonith-timeout',
        "Some devices need much more/less time to complete than normal.Use this to specify an alternate, device-specific, timeout for 'reboot' actions.",
    ),
    'pcmk_reboot_retries': OptionMeta(
        'pcmk_reboot_retries', 'integer', '2',
        "Advanced use only: The maximum number of times to retry the 'reboot' command within the timeout period",
        "Some devices do not support multiple connections. Operations may 'fail' if the device is busy with another task so Pacemaker will automatically retry the operation,      if there is time remaining. Use this option to alter the number of times Pacemaker retries 'reboot' actions before giving up.",
    ),
    'pcmk_off_action': OptionMeta(
        'pcmk_off_action', 'string', 'off',
        "Advanced use only: An alternate command to run instead of 'off'",
        "Some devices do not support the standard commands or may provide additional ones.Use this to specify an alternate, device-specific, command that implements the 'off' action.",
    ),
    'pcmk_off_timeout': OptionMeta(
        'pcmk_off_timeout', 'time', '60s',
        'Advanced use only: Specify an alternate timeout to use for off actions instead of stonith-timeout',
        "Some devices need much more/less time to complete than normal.Use this to specify an alternate, device-specific, timeout for 'off' actions.",
    ),
    'pcmk_off_retries': OptionMeta(
        'pcmk_off_retries', 'integer', '2',
        "Advanced use only: The maximum number of times to retry the 'off' command within the timeout period",
        "Some devices do not support multiple connections. Operations may 'fail' if the device is busy with another task so Pacemaker will automatically retry the operation,      if there is time remaining. Use this option to alter the number of times Pacemaker retries 'off' actions before giving up.",
    ),
    'pcmk_on_action': OptionMeta(
        'pcmk_on_action', 'string', 'on',
        "Advanced use only: An alternate command to run instead of 'on'",
        "Some devices do not support the standard commands or may provide additional ones.Use this to specify an alternate, device-specific, command that implements the 'on' action.",
    ),
    'pcmk_on_timeout': OptionMeta(
        'pcmk_on_timeout', 'time', '60s',
        'Advanced use only: Specify an alternate timeout to use for on actions instead of stonith-timeout',
        "Some devices need much more/less time to complete than normal.Use this to specify an alternate, device-specific, timeout for 'on' actions.",
    ),
    'pcmk_on_retries': OptionMeta(
        'pcmk_on_retries', 'integer', '2',
        "Advanced use only: The maximum number of times to retry the 'on' command within the timeout period",
        "Some devices do not support multiple connections. Operations may 'fail' if the device is busy with another task so Pacemaker will automatically retry the operation,      if there is time remaining. Use this option to alter the number of times Pacemaker retries 'on' actions before giving up.",
    ),
    'pcmk_list_action': OptionMeta(
        'pcmk_list_action', 'string', 'list',
        "Advanced use only: An alternate command to run instead of 'list'",
        "Some devices do not support the standard commands or may provide additional ones.Use this to specify an alternate, device-specific, command that implements the 'list' action.",
    ),
    'pcmk_list_timeout': OptionMeta(
        'pcmk_list_timeout', 'time', '60s',
        'Advanced use only: Specify an alternate timeout to use for list actions instead of stonith-timeout',
        "Some devices need much more/less time to complete than normal.Use this to specify an alternate, device-specific, timeout for 'list' actions.",
    ),
    'pcmk_list_retries': OptionMeta(
        'pcmk_list_retries', 'integer', '2',
        "Advanced use only: The maximum number of times to retry the 'list' command within the timeout period",
        "Some devices do not support multiple connections. Operations may 'fail' if the device is busy with another task so Pacemaker will automatically retry the operation,      if there is time remaining. Use this option to alter the number of times Pacemaker retries 'list' actions before giving up.",
    ),
    'pcmk_monitor_action': OptionMeta(
        'pcmk_monitor_action', 'string', 'monitor',
        "Advanced use only: An alternate command to run instead of 'monitor'",
        "Some devices do not support the standard commands or may provide additional ones.Use this to specify an alternate, device-specific, command that implements the 'monitor' action.",
    ),
    'pcmk_monitor_timeout': OptionMeta(
        'pcmk_monitor_timeout', 'time', '60s',
        'Advanced use only: Specify an alternate timeout to use for monitor actions instead of stonith-timeout',
        "Some devices need much more/less time to complete than normal.\\nUse this to specify an alternate, device-specific, timeout for 'monitor' actions.",
    ),
    'pcmk_monitor_retries': OptionMeta(
        'pcmk_monitor_retries', 'integer', '2',
        "Advanced use only: The maximum number of times to retry the 'monitor' command within the timeout period",
        "Some devices do not support multiple connections. Operations may 'fail' if the device is busy with another task so Pacemaker will automatically retry the operation,      if there is time remaining. Use this option to alter the number of times Pacemaker retries 'monitor' actions before giving up.",
    ),
    'pcmk_status_action': OptionMeta(
        'pcmk_status_action', 'string', 'status',
        "Advanced use only: An alternate command to run instead of 'status'",
        "Some devices do not support the standard commands or may provide additional ones.Use this to specify an alternate, device-specific, command that implements the 'status' action.",
    ),
    'pcmk_status_timeout': OptionMeta(
        'pcmk_status_timeout', 'time', '60s',
        'Advanced use only: Specify an alternate timeout to use for status actions instead of stonith-timeout',
        "Some devices need much more/less time to complete than normal.Use this to specify an alternate, device-specific, timeout for 'status' actions.",
    ),
    'pcmk_status_retries': OptionMeta(
        'pcmk_status_retries', 'integer', '2',
        "Advanced use only: The maximum number of times to retry the 'status' command within the timeout period",
        "Some devices do not support multiple connections. Operations may 'fail' if the device is busy with another task so Pacemaker will automatically retry the operation,      if there is time remaining. Use this option to alter the number of times Pacemaker retries 'status' actions before giving up.",
    ),
    'symmetric-cluster': OptionMeta(
        'symmetric-cluster', 'boolean', 'true',
        'Whether resources can run on any node by default',
        'Whether resources can run on any node by default',
    ),
    'maintenance-mode': OptionMeta(
        'maintenance-mode', 'boolean', 'false',
        'Whether the cluster should refrain from monitoring, starting, and stopping resources',
        'Whether the cluster should refrain from monitoring, starting, and stopping resources',
    ),
    'start-failure-is-fatal': OptionMeta(
        'start-failure-is-fatal', 'boolean', 'true',
        'Whether a start failure should prevent a resource from being recovered on the same node',
        "When true, the cluster will immediately ban a resource from a node if it fails to start there. When false, the cluster will instead check the resource's fail count against its migration-threshold.",
    ),
    'enable-startup-probes': OptionMeta(
        'enable-startup-probes', 'boolean', 'true',
        'Whether the cluster should check for active resources during start-up',
        'Whether the cluster should check for active resources during start-up',
    ),
    'shutdown-lock-limit': OptionMeta(
        'shutdown-lock-limit', 'time', '0',
        'Do not lock resources to a cleanly shut down node longer than this',
        'If shutdown-lock is true and this is set to a nonzero time duration, shutdown locks will expire after this much time has passed since the shutdown was initiated, even if the node has not rejoined.',
    ),
    'stonith-enabled': OptionMeta(
        'stonith-enabled', 'boolean', 'true',
        '*** Advanced Use Only *** Whether nodes may be fenced as part of recovery',
        'If false, unresponsive nodes are immediately assumed to be harmless, and resources that were active on them may be recovered elsewhere. This can result in a "split-brain" situation, potentially leading to data loss and/or service unavailability.',
    ),
    'stonith-action': OptionMeta(
        'stonith-action', 'select', 'reboot',
        'Action to send to fence device when a node needs to be fenced ("poweroff" is a deprecated alias for "off")',
        'Action to send to fence device when a node needs to be fenced ("poweroff" is a deprecated alias for "off")',
        ('reboot', 'off', 'poweroff'),
        'reboot, off, poweroff',
    ),
    'stonith-timeout': OptionMeta(
        'stonith-timeout', 'time', '60s',
        '*** Advanced Use Only *** Unused by Pacemaker',
        'This value is not used by Pacemaker, but is kept for backward compatibility, and certain legacy fence agents might use it.',
    ),
    'have-watchdog': OptionMeta(
        'have-watchdog', 'boolean', 'false',
        'Whether watchdog integration is enabled',
        'This is set automatically by the cluster according to whether SBD is detected to be in use. User-configured values are ignored. The value `true` is meaningful if diskless SBD is used and `stonith-watchdog-timeout` is nonzero. In that case, if fencing is required, watchdog-based self-fencing will be performed via SBD without requiring a fencing resource explicitly configured.',
    ),
    'concurrent-fencing': OptionMeta(
        'concurrent-fencing', 'boolean', 'false',
        'Allow performing fencing operations in parallel',
        'Allow performing fencing operations in parallel',
    ),
    'startup-fencing': OptionMeta(
        'startup-fencing', 'boolean', 'true',
        '*** Advanced Use Only *** Whether to fence unseen nodes at start-up',
        'Setting this to false may lead to a "split-brain" situation,potentially leading to data loss and/or service unavailability.',
    ),
    'priority-fencing-delay': OptionMeta(
        'priority-fencing-delay', 'time', '0',
        'Apply fencing delay targeting the lost nodes with the highest total resource priority',
        "Apply specified delay for the fencings that are targeting the lost nodes with the highest total resource priority in case we don't have the majority of the nodes in our cluster partition, so that the more significant nodes potentially win any fencing match, which is especially meaningful under split-brain of 2-node cluster. A promoted resource instance takes the base priority + 1 on calculation if the base priority is not 0. Any static/random delays that are introduced by `pcmk_delay_base/max` configured for the corresponding fencing resources will be added to this delay. This delay should be significantly greater than, safely twice, the maximum `pcmk_delay_base/max`. By default, priority fencing delay is disabled.",
    ),
    'cluster-delay': OptionMeta(
        'cluster-delay', 'time', '60s',
        'Maximum time for node-to-node communication',
        'The node elected Designated Controller (DC) will consider an action failed if it does not get a response from the node executing the action within this time (after considering the action\'s own timeout). The "correct" value will depend on the speed and load of your network and cluster nodes.',
    ),
    'batch-limit': OptionMeta(
        'batch-limit', 'integer', '0',
        'Maximum number of jobs that the cluster may execute in parallel across all nodes',
        'The "correct" value will depend on the speed and load of your network and cluster nodes. If set to 0, the cluster will impose a dynamically calculated limit when any node has a high load.',
    ),
    'migration-limit': OptionMeta(
        'migration-limit', 'integer', '-1',
        'The number of live migration actions that the cluster is allowed to execute in parallel on a node (-1 means no limit)',
        'The number of live migration actions that the cluster is allowed to execute in parallel on a node (-1 means no limit)',
    ),
    'stop-all-resources': OptionMeta(
        'stop-all-resources', 'boolean', 'false',
        'Whether the cluster should stop all active resources',
        'Whether the cluster should stop all active resources',
    ),
    'stop-orphan-resources': OptionMeta(
        'stop-orphan-resources', 'boolean', 'true',
        'Whether to stop resources that were removed from the configuration',
        'Whether to stop resources that were removed from the configuration',
    ),
    'stop-orphan-actions': OptionMeta(
        'stop-orphan-actions', 'boolean', 'true',
        'Whether to cancel recurring actions removed from the configuration',
        'Whether to cancel recurring actions removed from the configuration',
    ),
    'remove-after-stop': OptionMeta(
        'remove-after-stop', 'boolean', 'false',
        '*** Deprecated *** Whether to remove stopped resources from the executor',
        'Values other than default are poorly tested and potentially dangerous. This option will be removed in a future release.',
    ),
    'pe-error-series-max': OptionMeta(
        'pe-error-series-max', 'integer', '-1',
        'The number of scheduler inputs resulting in errors to save',
        'Zero to disable, -1 to store unlimited.',
    ),
    'pe-warn-series-max': OptionMeta(
        'pe-warn-series-max', 'integer', '5000',
        'The number of scheduler inputs resulting in warnings to save',
        'Zero to disable, -1 to store unlimited.',
    ),
    'pe-input-series-max': OptionMeta(
        'pe-input-series-max', 'integer', '4000',
        'The number of scheduler inputs without errors or warnings to save',
        'Zero to disable, -1 to store unlimited.',
    ),
    'node-health-strategy': OptionMeta(
        'node-health-strategy', 'select', 'none',
        'How cluster should react to node health attributes',
        'Requires external entities to create node attributes (named with the prefix "#health") with values "red", "yellow", or "green".',
        ('none', 'migrate-on-red', 'only-green', 'progressive', 'custom'),
        'none, migrate-on-red, only-green, progressive, custom',
    ),
    'node-health-base': OptionMeta(
        'node-health-base', 'integer', '0',
        'Base health score assigned to a node',
        'Only used when node-health-strategy is set to progressive.',
    ),
    'node-health-green': OptionMeta(
        'node-health-green', 'integer', '0',
        'The score to use for a node health attribute whose value is "green"',
        'Only used when node-health-strategy is set to custom or progressive.',
    ),
    'node-health-yellow': OptionMeta(
        'node-health-yellow', 'integer', '0',
        'The score to use for a node health attribute whose value is "yellow"',
        'Only used when node-health-strategy is set to custom or progressive.',
    ),
    'node-health-red': OptionMeta(
        'node-health-red', 'integer', '-INFINITY',
        'The score to use for a node health attribute whose value is "red"',
        'Only used when node-health-strategy is set to custom or progressive.',
    ),
    'placement-strategy': OptionMeta(
        'placement-strategy', 'select', 'default',
        'How the cluster should allocate resources to nodes',
        'How the cluster should allocate resources to nodes',
        ('default', 'utilization', 'minimal', 'balanced'),
        'default, utilization, minimal, balanced',
    ),
}

DAEMONS: Final[dict[str, DaemonOptions]] = {
    "pacemaker-based": DaemonOptions(
        'Cluster Information Base manager options',
        "Cluster options used by Pacemaker's Cluster Information Base manager",
        ('enable-acl', 'cluster-ipc-limit'),
    ),
    "pacemaker-controld": DaemonOptions(
        'Pacemaker controller options',
        "Cluster options used by Pacemaker's controller",
        ('dc-version', 'cluster-infrastructure', 'cluster-name', 'dc-deadtime', 'cluster-recheck-interval', 'load-threshold', 'node-action-limit', 'fence-reaction', 'election-timeout', 'shutdown-escalation', 'join-integration-timeout', 'join-finalization-timeout', 'transition-delay', 'stonith-watchdog-timeout', 'stonith-max-attempts', 'no-quorum-policy', 'shutdown-lock'),
    ),
    "pacemaker-fenced": DaemonOptions(
        'Instance attributes available for all "stonith"-class resources',
        'Instance attributes available for all "stonith"-class resources and used by Pacemaker\'s fence daemon, formerly known as stonithd',
        ('pcmk_host_argument', 'pcmk_host_map', 'pcmk_host_list', 'pcmk_host_check', 'pcmk_delay_max', 'pcmk_delay_base', 'pcmk_action_limit', 'pcmk_reboot_action', 'pcmk_reboot_timeout', 'pcmk_reboot_retries', 'pcmk_off_action', 'pcmk_off_timeout', 'pcmk_off_retries', 'pcmk_on_action', 'pcmk_on_timeout', 'pcmk_on_retries', 'pcmk_list_action', 'pcmk_list_timeout', 'pcmk_list_retries', 'pcmk_monitor_action', 'pcmk_monitor_timeout', 'pcmk_monitor_retries', 'pcmk_status_action', 'pcmk_status_timeout', 'pcmk_status_retries'),
    ),
    "pacemaker-schedulerd": DaemonOptions(
        'Pacemaker scheduler options',
        "Cluster options used by Pacemaker's scheduler",
        ('no-quorum-policy', 'symmetric-cluster', 'maintenance-mode', 'start-failure-is-fatal', 'enable-startup-probes', 'shutdown-lock', 'shutdown-lock-limit', 'stonith-enabled', 'stonith-action', 'stonith-timeout', 'have-watchdog', 'concurrent-fencing', 'startup-fencing', 'priority-fencing-delay', 'cluster-delay', 'batch-limit', 'migration-limit', 'stop-all-resources', 'stop-orphan-resources', 'stop-orphan-actions', 'remove-after-stop', 'pe-error-series-max', 'pe-warn-series-max', 'pe-input-series-max', 'node-health-strategy', 'node-health-base', 'node-health-green', 'node-health-yellow', 'node-health-red', 'placement-strategy'),
    ),
}


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&apos;")
    )


def _long(option: OptionMeta) -> str:
    # Pacemaker escapes the description but not the list of allowed values it appends
    text = _escape(option.longdesc)
    return f"{text}  Allowed values: {option.allowed}" if option.allowed else text


def metadata_xml(daemon: str) -> str:
    """The ``metadata`` document of ``daemon`` (a key of :data:`DAEMONS`), as Pacemaker prints it."""
    info = DAEMONS[daemon]
    lines = [
        '<?xml version="1.0"?>',
        f'<resource-agent name="{daemon}" version="{PACEMAKER_VERSION}">',
        "  <version>1.1</version>",
        f'  <longdesc lang="en">{_escape(info.longdesc)}</longdesc>',
        f'  <shortdesc lang="en">{_escape(info.shortdesc)}</shortdesc>',
        "  <parameters>",
    ]
    for option in info.options():
        default = "" if option.default is None else f' default="{_escape(option.default)}"'
        lines += [
            f'    <parameter name="{option.name}">',
            f'      <longdesc lang="en">{_long(option)}</longdesc>',
            f'      <shortdesc lang="en">{_escape(option.shortdesc)}</shortdesc>',
        ]
        if option.values:
            lines.append(f'      <content type="{option.type}"{default}>')
            lines += [f'        <option value="{_escape(value)}" />' for value in option.values]
            lines.append("      </content>")
        else:
            lines.append(f'      <content type="{option.type}"{default}/>')
        lines.append("    </parameter>")
    lines += ["  </parameters>", "</resource-agent>"]
    return "\n".join(lines) + "\n"


def metadata_requested(argv: list[str] | None) -> bool:
    """Whether a daemon's command line (``sys.argv[1:]`` when None) is ``metadata``, as Pacemaker's daemons take it."""
    return (sys.argv[1:] if argv is None else argv) == ["metadata"]
