#!/bin/sh
# Joins (or, with "down", leaves) the dog tracker's batman-adv mesh: the Wi-Fi interface becomes an
# ad-hoc (IBSS) member of the mesh, batman-adv runs over it, and bat0 gets this node's mesh address.
# Every Pi and the hub run it with the same MESH_ID and MESH_FREQ and their own MESH_ADDR.
#
# Settings (environment, e.g. /etc/default/batman-mesh for batman-mesh.service):
#   MESH_IFACE  Wi-Fi interface given to the mesh          (default wlan0)
#   MESH_ID     ad-hoc network name, the same on all nodes  (default dogtracker-mesh)
#   MESH_FREQ   channel frequency in MHz, the same on all   (default 2462, channel 11)
#   MESH_ADDR   this node's address on bat0, with prefix    (e.g. 10.42.0.11/24; required)
# Needs root, batctl (apt install batctl), iw, and the batman-adv kernel module.
# The interface must not be managed by NetworkManager or wpa_supplicant: see the README.
set -eu

iface=${MESH_IFACE:-wlan0}
mesh_id=${MESH_ID:-dogtracker-mesh}
freq=${MESH_FREQ:-2462}

if [ "${1:-up}" = down ]; then
  ip link set bat0 down 2>/dev/null || true
  batctl if del "$iface" 2>/dev/null || true
  iw dev "$iface" ibss leave 2>/dev/null || true
  exit 0
fi

: "${MESH_ADDR:?set MESH_ADDR to the mesh address of this node, e.g. 10.42.0.11/24}"
command -v batctl >/dev/null 2>&1 || { echo "mesh-up.sh: batctl is not installed (apt install batctl)" >&2; exit 1; }

modprobe batman-adv
ip link set "$iface" down
iw dev "$iface" set type ibss
# batman-adv adds 32 bytes to each frame; a larger MTU avoids fragmenting full-size packets, where the
# driver allows it (the Pi's brcmfmac may not: batman-adv then fragments, which works, a little slower).
ip link set "$iface" mtu 1532 2>/dev/null || true
ip link set "$iface" up
iw dev "$iface" ibss join "$mesh_id" "$freq"
batctl if add "$iface"
ip link set bat0 up
ip addr replace "$MESH_ADDR" dev bat0
echo "mesh-up.sh: $iface in mesh '$mesh_id' on $freq MHz, bat0 = $MESH_ADDR"
