# utilities/ -- ovnmigctl (the CLI) and ovnmig-lab (the local OVN lab).
dist_sbin_SCRIPTS += utilities/ovnmig-lab
EXTRA_DIST += utilities/ovnmig-demo
dist_man_MANS += docs/ovnmig-lab.8
