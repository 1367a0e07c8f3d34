# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Attributes every action plugin on the Target seam shares.
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  platform:
    platforms: [windows, posix]
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
"""
