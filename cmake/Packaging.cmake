# Packaging.cmake - what `cmake --install` puts where, and the Debian package
# (`cpack -G DEB` in the build directory).
#
# Programs, man pages, examples, completion and alert rules follow the prefix
# (GNUInstallDirs).  The service's own directories do not: systemd's
# ConfigurationDirectory=, StateDirectory= and RuntimeDirectory= always make
# /etc/goldfarm, /var/lib/goldfarm and /run/goldfarm, and the programs'
# defaults are those.  GOLDFARM_SYSCONFDIR is only where the install puts
# the files meant for /etc (the empty policies directory, logrotate's file):
# point it into a private tree for an unprivileged install.
include(GNUInstallDirs)

set(GOLDFARM_SYSCONFDIR "/etc" CACHE PATH "where the install puts /etc's files (goldfarm/, logrotate.d/)")
set(GOLDFARM_POLICIES_DIR "/etc/goldfarm/policies")
set(GOLDFARM_STATE_DIR "/var/lib/goldfarm")
set(GOLDFARM_SBINDIR "${CMAKE_INSTALL_FULL_SBINDIR}")
set(GOLDFARM_UNITDIR "lib/systemd/system" CACHE PATH "systemd system units, under the prefix")

# The unit, with the programs where this prefix puts them.
configure_file(${PROJECT_SOURCE_DIR}/daemon/goldfarmd.service.in
               ${PROJECT_BINARY_DIR}/goldfarmd.service @ONLY)

# Man pages, compressed as Debian wants them.
set(GF_MAN_PAGES vmctl.1 goldfarmd.8 goldfarm.conf.5)
set(GF_MAN_GZ)
foreach(page ${GF_MAN_PAGES})
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/man/${page} > ${PROJECT_BINARY_DIR}/man/${page}.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/man/${page}
    COMMENT "gzip man/${page}" VERBATIM)
  list(APPEND GF_MAN_GZ ${PROJECT_BINARY_DIR}/man/${page}.gz)
endforeach()
add_custom_target(man_pages ALL DEPENDS ${GF_MAN_GZ})

install(TARGETS vmctl DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS goldfarmd DESTINATION ${CMAKE_INSTALL_SBINDIR})
foreach(page ${GF_MAN_PAGES})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${PROJECT_BINARY_DIR}/man/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/goldfarmd.service DESTINATION ${GOLDFARM_UNITDIR})
install(FILES packaging/logrotate/goldfarm DESTINATION ${GOLDFARM_SYSCONFDIR}/logrotate.d)
# the Pacemaker OCF resource agent ocf:goldfarm:goldfarmd (Pacemaker looks under /usr/lib/ocf)
install(PROGRAMS daemon/ocf/goldfarmd DESTINATION lib/ocf/resource.d/goldfarm)
install(DIRECTORY DESTINATION ${GOLDFARM_SYSCONFDIR}/goldfarm/policies)
install(FILES packaging/bash-completion/vmctl
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES packaging/prometheus/goldfarm.rules.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/goldfarm/prometheus)
# the example policies (one farm each, several name the same farm: copy one
# into /etc/goldfarm/policies and adapt it), the trace demo.conf reads
file(GLOB GF_EXAMPLES ${PROJECT_SOURCE_DIR}/policies/*.conf)
install(FILES ${GF_EXAMPLES} policies/README.md policies/demo-day.trace
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# the identity examples' templates, where the examples find them (../templates)
install(FILES templates/cloud-init-user-data.yaml templates/cloudbase-init-user-data.ps1
        templates/network-config.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/templates)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# ---- the Debian package ---------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME goldfarm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Goldfarm")
set(CPACK_PACKAGE_CONTACT "Goldfarm developers <goldfarm@goldfarm.dev>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "gold images and capacity for remote-desktop farms on libvirt")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Goldfarm keeps RDS/VDI session-host farms on KVM the right size and healthy.\n"
  "vmctl snapshots hosts or whole farms before patching and rolls them back,\n"
  "clones hosts from versioned gold images, and rolls new versions out.\n"
  "goldfarmd follows each farm's policy (a schedule of phases, thresholds,\n"
  "standby hosts, drains), replaces failed hosts and exports Prometheus metrics.")
string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_DEBIAN_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# the libraries the programs link, as dpkg-shlibdeps finds them (libvirt0,
# libxml2, libconfig, cairo, GLib, libc); what it cannot see is named here:
# adduser for the maintainer scripts; a local libvirtd only recommended
# (the hypervisors may all be remote, through qemu+ssh or qemu+tls)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libvirt-daemon-system | libvirt-daemon, logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus-node-exporter, prometheus, bash-completion, openssh-client")
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/conffiles.in
               ${PROJECT_BINARY_DIR}/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
  ${PROJECT_BINARY_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
include(CPack)
