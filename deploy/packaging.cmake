# Debian package: `cpack -G DEB` in the build directory (after building wirefeedd and wirefeed)
# gives wirefeed_<version>_<arch>.deb. Included at the end of the top-level CMakeLists.txt.
#
# Layout (checked by deploy/package_test.sh, ctest -R Package):
#   /usr/bin/wirefeedd, /usr/bin/wirefeed           the daemon and the CLI
#   /lib/systemd/system/wirefeedd.service           the unit (Debian 12 unit directory)
#   /usr/lib/sysusers.d/wirefeed.conf               the `wirefeed` system user
#   /usr/lib/tmpfiles.d/wirefeed.conf               /etc/wirefeed 0750 root:wirefeed
#   /etc/wirefeed/config.yaml                       conffile: deploy/wirefeed.prod.yaml
#   /usr/share/wirefeed/wirefeed.desc               Protobuf descriptor set of the output topics
#   /usr/share/wirefeed/prometheus/alerts.yml       Prometheus alert rules (README runbook)
#   /usr/share/wirefeed/grafana/wirefeed.json       Grafana dashboard (README "On call")
#   /usr/share/doc/wirefeed/{README.md,config.yaml} docs; config.yaml documents every key
#
# The system-wide files (absolute /etc and /lib paths) are in the EXCLUDE_FROM_ALL component
# `system`, so a developer's `cmake --install build --prefix ~/x` never writes to /etc; the
# package includes both components.

install(FILES ${CMAKE_SOURCE_DIR}/systemd/wirefeedd.service
        DESTINATION /lib/systemd/system COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/wirefeed.prod.yaml DESTINATION /etc/wirefeed
        RENAME config.yaml COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/wirefeed.sysusers DESTINATION lib/sysusers.d
        RENAME wirefeed.conf COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/wirefeed.tmpfiles DESTINATION lib/tmpfiles.d
        RENAME wirefeed.conf COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/config.yaml
        DESTINATION share/doc/wirefeed COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/prometheus/alerts.yml
        DESTINATION share/wirefeed/prometheus COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/grafana/wirefeed.json
        DESTINATION share/wirefeed/grafana COMPONENT system EXCLUDE_FROM_ALL)

# `cpack` (and `make install`) package what is built instead of first building every target
# (tests, benchmarks): build wirefeedd, wirefeed and wirefeed_descriptor before running cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wirefeed)
set(CPACK_PACKAGE_VENDOR "wirefeed")
set(CPACK_PACKAGE_CONTACT "wirefeed maintainers <wirefeed@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Wire-story cleaning and dedup daemon: Kafka in, Protobuf out, Prometheus metrics")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)  # RelWithDebInfo binaries ship without debug info
# Both components (the default one and `system`) into one monolithic package.
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${CMAKE_BINARY_DIR};${PROJECT_NAME};Unspecified;/"
    "${CMAKE_BINARY_DIR};${PROJECT_NAME};system;/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian 12 runtime libraries of the binaries (`ldd build/bin/wirefeedd`; Boost.Asio/Beast,
# xxHash and nlohmann-json are header-only here). Kept explicit rather than dpkg-shlibdeps so the package builds
# without dpkg-dev and the list is reviewable.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1, librdkafka1 (>= 2.0.2), \
libprotobuf32 (>= 3.21), libspdlog1.10, libfmt9, libyaml-cpp0.7, libsystemd0, libxml2 (>= 2.9.14)")
# systemd-sysusers / systemd-tmpfiles in postinst, and the unit itself.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, grafana")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm ${CMAKE_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

if(WIREFEED_BUILD_TESTS)
  add_test(NAME Package.DebLayout
           COMMAND ${CMAKE_SOURCE_DIR}/deploy/package_test.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(Package.DebLayout PROPERTIES LABELS e2e TIMEOUT 120)
endif()
