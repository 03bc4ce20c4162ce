// Package user is Cartwheel's user service: accounts, credentials, refresh sessions and
// address books, served over Kitex as idl/user.thrift's UserService.
package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/periodic"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/store"
)

// Config is read from the environment with the prefix USER_ (config.Load[Config]("USER_")).
type Config struct {
	Addr string    `env:"ADDR" envDefault:"127.0.0.1:8881"`
	DB   db.Config `envPrefix:"DB_"` // DSN defaults to data/user.db (db.Config.DefaultFile)
	Env  string    `env:"ENV" envDefault:"dev"`
	// BcryptCost 12 takes about a quarter of a second per hash on one core; tests use 4.
	BcryptCost    int           `env:"BCRYPT_COST" envDefault:"12"`
	AdminEmail    string        `env:"ADMIN_EMAIL" envDefault:"admin@cartwheel.local"`
	AdminPassword string        `env:"ADMIN_PASSWORD" envDefault:"cartwheel-admin" secret:"true"`
	RefreshTTL    time.Duration `env:"REFRESH_TTL" envDefault:"720h"`
	MaxAddresses  int           `env:"MAX_ADDRESSES" envDefault:"20"`
	// Expired refresh sessions are deleted every SessionPurgeInterval, in batches of
	// SessionPurgeBatch, once they have been expired for SessionRetention (logout of an
	// expired session succeeds until then).
	SessionPurgeInterval time.Duration `env:"SESSION_PURGE_INTERVAL" envDefault:"1h"`
	SessionRetention     time.Duration `env:"SESSION_RETENTION" envDefault:"168h"`
	SessionPurgeBatch    int           `env:"SESSION_PURGE_BATCH" envDefault:"500"`
}

const (
	defaultDSN            = "data/user.db"
	devAdminPassword      = "cartwheel-admin"
	envDev, envProduction = "dev", "production"
	// bcrypt allows 4..31; past 15 one login costs seconds of CPU, an easy denial of
	// service. 4 is for tests only, so production asks for at least bcrypt's default.
	minBcryptCost, maxBcryptCost, minProductionBcrypt = 4, 15, 10
)

// Validate gives the SQLite DSN its default and reports every problem at once, named
// by environment variable.
func (c *Config) Validate() error {
	c.DB.DefaultFile(defaultDSN)
	var problems []error
	add := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		add(fmt.Errorf("USER_ADDR=%q: %w", c.Addr, err))
	}
	add(c.DB.Validate())
	add(config.OneOf("USER_ENV", c.Env, envDev, envProduction))
	if c.BcryptCost < minBcryptCost || c.BcryptCost > maxBcryptCost {
		add(fmt.Errorf("USER_BCRYPT_COST=%d: must be %d..%d", c.BcryptCost, minBcryptCost, maxBcryptCost))
	}
	if c.RefreshTTL <= 0 {
		add(fmt.Errorf("USER_REFRESH_TTL=%s: must be positive", c.RefreshTTL))
	}
	if c.MaxAddresses < 1 {
		add(fmt.Errorf("USER_MAX_ADDRESSES=%d: must be at least 1", c.MaxAddresses))
	}
	if c.SessionPurgeInterval < time.Second {
		add(fmt.Errorf("USER_SESSION_PURGE_INTERVAL=%s: must be at least 1s", c.SessionPurgeInterval))
	}
	if c.SessionRetention < 0 {
		add(fmt.Errorf("USER_SESSION_RETENTION=%s: must not be negative", c.SessionRetention))
	}
	if c.SessionPurgeBatch < 1 || c.SessionPurgeBatch > 10000 {
		add(fmt.Errorf("USER_SESSION_PURGE_BATCH=%d: must be between 1 and 10000", c.SessionPurgeBatch))
	}
	add(c.validateAdmin())
	return errors.Join(problems...)
}

// validateAdmin holds the admin to the customer password policy, and a production
// deployment to secrets nobody can read in the public docs.
func (c *Config) validateAdmin() error {
	var problems []error
	var verr *errs.Error
	if err := account.CheckCredentials(c.AdminEmail, c.AdminPassword); errors.As(err, &verr) {
		for _, v := range verr.Details {
			problems = append(problems, fmt.Errorf("USER_ADMIN_%s: %s", strings.ToUpper(v.Field), v.Reason))
		}
	}
	if c.Env == envProduction && c.AdminPassword == devAdminPassword {
		problems = append(problems, errors.New("USER_ADMIN_PASSWORD: the development default is refused in production"))
	}
	if c.Env == envProduction && c.BcryptCost < minProductionBcrypt {
		problems = append(problems, fmt.Errorf("USER_BCRYPT_COST=%d: production needs at least %d", c.BcryptCost, minProductionBcrypt))
	}
	return errors.Join(problems...)
}

// ServiceName is the name the service registers under and clients dial.
const ServiceName = "user"

// Prefix starts every variable of the service's configuration.
const Prefix = "USER_"

// Deps are the collaborators New does not build from Config. The user service sends
// and consumes no messages, so there is no MQ.
type Deps = suite.Deps

// Service is the user service as New builds it; Run serves it.
type Service struct {
	log      *slog.Logger
	server   *suite.Server
	accounts *account.Service
	cfg      Config
	db       *gorm.DB
}

// Migrate brings the database of cfg up to the schema this code needs. It is run by
// `user migrate`, never by New.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("user: config: %w", err)
	}
	if err := db.Upgrade(ctx, cfg.DB, log, store.Migrations); err != nil {
		return fmt.Errorf("user: %w", err)
	}
	if log != nil {
		log.Info("user schema is current")
	}
	return nil
}

// New opens the database (refusing one that needs migrating), seeds the admin account
// and builds the Kitex server. The returned cleanup releases what New opened; call it
// after Run returns, or instead of Run.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, func(), error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("user: config: %w", err)
	}
	if err := deps.Check(ServiceName, false); err != nil {
		return nil, nil, err
	}
	closers := suite.NewClosers(deps.Logger)
	svc, err := build(ctx, cfg, deps, closers)
	if err != nil {
		closers.Close()
		return nil, nil, fmt.Errorf("user: %w", err)
	}
	return svc, closers.Close, nil
}

// build does the part of New that can fail after the database is open.
func build(ctx context.Context, cfg Config, deps Deps, closers *suite.Closers) (*Service, error) {
	gdb, err := db.Open(cfg.DB, deps.Logger)
	if err != nil {
		return nil, err
	}
	closers.Add(func() error { return db.Close(gdb) })
	if err := db.CheckCurrent(ctx, gdb, store.Migrations); err != nil {
		return nil, err
	}
	if err := deps.Telemetry.WatchDB(ServiceName, gdb); err != nil {
		return nil, err
	}
	accounts, err := account.NewService(store.New(gdb), account.Options{
		BcryptCost:   cfg.BcryptCost,
		RefreshTTL:   cfg.RefreshTTL,
		MaxAddresses: cfg.MaxAddresses,
		Clock:        deps.Clock,
	})
	if err != nil {
		return nil, err
	}
	if err := seedAdmin(ctx, accounts, cfg, deps.Logger); err != nil {
		return nil, err
	}
	ln, err := deps.Listen(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	h := &handler{accounts: accounts, log: deps.Logger}
	srv, err := suite.NewServer(ServiceName, ln, deps.Registry, deps.Telemetry, func(opts ...server.Option) server.Server {
		return userservice.NewServer(h, opts...)
	})
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	closers.Add(srv.Close) // already closed when Run stopped the server; harmless then
	return &Service{log: deps.Logger, server: srv, accounts: accounts, cfg: cfg, db: gdb}, nil
}

func seedAdmin(ctx context.Context, accounts *account.Service, cfg Config, log *slog.Logger) error {
	admin, created, err := accounts.SeedAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword)
	switch {
	case err != nil:
		return fmt.Errorf("seed admin: %w", err)
	case created:
		log.Info("admin account created", "email", admin.Email)
	case admin.Role != account.RoleAdmin:
		// Left alone on purpose, but an operator expecting an admin login needs to know.
		log.Warn("admin email belongs to a non-admin account; not promoted", "email", admin.Email, "role", admin.Role)
	}
	return nil
}

// Run serves and purges expired sessions until ctx ends, then stops the server, which
// deregisters it and lets in-flight calls finish (up to suite's exit wait), and the
// purge. It returns nil after a requested stop. Call it once.
func (s *Service) Run(ctx context.Context) error {
	s.log.Info("user service serving", "addr", s.Addr().String())
	purgeCtx, stopPurging := context.WithCancel(ctx)
	purged := make(chan struct{})
	go func() {
		defer close(purged)
		periodic.Every(purgeCtx, s.cfg.SessionPurgeInterval, s.purge)
	}()
	err := s.server.Run(ctx)
	stopPurging()
	<-purged
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	s.log.Info("user service stopped")
	return nil
}

// purge deletes expired sessions. A failed purge is logged and tried again at the next
// interval; the rows only take space meanwhile.
func (s *Service) purge(ctx context.Context) {
	n, err := s.accounts.PurgeSessions(ctx, s.cfg.SessionRetention, s.cfg.SessionPurgeBatch)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("purging expired sessions failed; trying again next interval", "purged", n, "err", err, "interval", s.cfg.SessionPurgeInterval.String())
	case n > 0:
		s.log.Info("purged expired sessions", "count", n)
	}
}

// Addr is the address the service listens on.
func (s *Service) Addr() net.Addr { return s.server.Addr() }

// Ready reports whether the database answers; the admin listener's /readyz asks it.
func (s *Service) Ready(ctx context.Context) error { return db.Ping(ctx, s.db) }
